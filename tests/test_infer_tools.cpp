// The Qt-free training path for a GPU box, run here on the CPU as it would run there:
// pack_dataset.py decodes real image/mask pairs with Pillow, segstudio-infer-train trains on
// them. The packed pixels must be exactly what the app's own loader (GDAL) reads, or a model
// trained there would learn from other data than one trained with segstudio-cli.
#include "annotation/class_palette.h"
#include "annotation/gdal_setup.h"
#include "app/jobs/training_set.h"
#include "inference/segmentation_model.h"
#include "test_support.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <cstdlib>

using namespace segstudio;
using segstudio::test::dataPath;

namespace {

using Run = test::ProcessRun;

Run run(const QString& program, const QStringList& arguments) {
    return test::runProcess(program, arguments, 300000);
}

Run pack(const QString& output, const QStringList& folders, const QString& classes) {
    return run(QStringLiteral("/usr/bin/python3"),
               QStringList{QStringLiteral(SEGSTUDIO_PACK_SCRIPT), QStringLiteral("--classes"), classes,
                           QStringLiteral("--output"), output} +
                   folders);
}

Run train(const QStringList& arguments) {
    return run(QStringLiteral(SEGSTUDIO_INFER_TRAIN), arguments);
}

QByteArray readAll(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestInferTools : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        initializeGdal();
        QVERIFY(m_dir.isValid());
        m_classes = dataPath(QStringLiteral("dubai_aerial/classes.csv"));
        m_packed = m_dir.filePath(QStringLiteral("packed"));
        // Tile 2 has palette masks with a gAMA chunk, tile 1 RGB masks: both kinds of trap.
        const Run packed = pack(m_packed,
                                {dataPath(QStringLiteral("dubai_aerial/tile_2")),
                                 dataPath(QStringLiteral("dubai_aerial/tile_1"))},
                                m_classes);
        QVERIFY2(packed.exitCode == 0, qPrintable(packed.err));
    }

    void packedPixelsAreWhatTheAppReads() {
        const QList<QByteArray> index =
            readAll(m_packed + QStringLiteral("/index.tsv")).trimmed().split('\n');
        QCOMPARE(index.size(), 18);
        const ClassPalette palette = ClassPalette::dubaiAerial();
        long long labelled = 0, ignored = 0;
        for (const QByteArray& line : index) {
            const QList<QByteArray> f = line.split('\t');
            QCOMPARE(f.size(), 4);
            const QString image = QString::fromUtf8(f[3]);
            QString mask = image;
            mask.replace(QStringLiteral("/images/"), QStringLiteral("/masks/"))
                .replace(QStringLiteral(".jpg"), QStringLiteral(".png"));
            inference::TrainingSample sample;
            QString error;
            QVERIFY2(loadSample({image, mask}, palette, sample, &error), qPrintable(error));
            QCOMPARE(f[1].toInt(), sample.width);
            QCOMPARE(f[2].toInt(), sample.height);
            const QByteArray packedMask =
                readAll(m_packed + QLatin1Char('/') + QString::fromUtf8(f[0]) + QStringLiteral(".mask"));
            const QByteArray packedRgb =
                readAll(m_packed + QLatin1Char('/') + QString::fromUtf8(f[0]) + QStringLiteral(".rgb"));
            QCOMPARE(size_t(packedMask.size()), sample.mask.size());
            QCOMPARE(size_t(packedRgb.size()), sample.rgb.size());
            QVERIFY2(std::equal(sample.mask.begin(), sample.mask.end(),
                                reinterpret_cast<const uint8_t*>(packedMask.data())),
                     qPrintable(QStringLiteral("class ids differ in %1").arg(image)));
            // Both decoders are libjpeg: allow for nothing but rounding.
            size_t off = 0;
            for (size_t i = 0; i < sample.rgb.size(); ++i)
                off += std::abs(int(sample.rgb[i]) - int(uint8_t(packedRgb[qsizetype(i)]))) > 1;
            QVERIFY2(off == 0, qPrintable(QStringLiteral("%1 of %2 colour samples differ in %3")
                                              .arg(off)
                                              .arg(sample.rgb.size())
                                              .arg(image)));
            for (const uint8_t c : sample.mask)
                (c == 255 ? ignored : labelled) += 1;
        }
        QCOMPARE(labelled + ignored, 7110717LL); // stats.csv: tiles 1 and 2
        QVERIFY(labelled > 0);
    }

    void trainsAndScoresFromPackedFolders() {
        const QString output = m_dir.filePath(QStringLiteral("tuned/model.pt"));
        std::string error;
        auto before = inference::SegmentationModel::load(SEGSTUDIO_DEFAULT_MODEL, &error);
        QVERIFY2(before, error.c_str());
        const Run trained = train({QStringLiteral("--data"),
                                   m_packed,
                                   QStringLiteral("--val"),
                                   m_packed,
                                   QStringLiteral("--init"),
                                   QStringLiteral(SEGSTUDIO_DEFAULT_MODEL),
                                   QStringLiteral("--output"),
                                   output,
                                   QStringLiteral("--steps"),
                                   QStringLiteral("6"),
                                   QStringLiteral("--batch"),
                                   QStringLiteral("2"),
                                   QStringLiteral("--crop"),
                                   QStringLiteral("128"),
                                   QStringLiteral("--lr"),
                                   QStringLiteral("0.0001"),
                                   QStringLiteral("--freeze-bn"),
                                   QStringLiteral("--device"),
                                   QStringLiteral("cpu"),
                                   QStringLiteral("--log-every"),
                                   QStringLiteral("3")});
        QVERIFY2(trained.exitCode == 0, qPrintable(trained.err));
        const QList<QByteArray> lines = trained.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 4); // start, progress at steps 3 and 6, result
        const QJsonObject start =
            QJsonDocument::fromJson(lines.first()).object().value(QStringLiteral("start")).toObject();
        QCOMPARE(start.value(QStringLiteral("images")).toInt(), 18);
        const QJsonObject result = QJsonDocument::fromJson(lines.last()).object();
        QCOMPARE(result.value(QStringLiteral("steps")).toInt(), 6);
        // The default model was trained on these tiles: a few tiny steps must not have undone it.
        const double miou =
            result.value(QStringLiteral("validation")).toObject().value(QStringLiteral("miou")).toDouble();
        QVERIFY2(miou > 0.4, qPrintable(QString::number(miou)));
        auto after = inference::SegmentationModel::load(output.toStdString(), &error);
        QVERIFY2(after, error.c_str());
        QCOMPARE(after->metadata().history.size(), before->metadata().history.size() + 1);
        QVERIFY(after->metadata().history.back().notes.find("segstudio-infer-train: 18 images") == 0);
    }

    void badInputIsRefusedWithTheReason() {
        // A packed mask that lost bytes.
        const QString broken = m_dir.filePath(QStringLiteral("broken"));
        QVERIFY(QDir().mkpath(broken));
        for (const QString& name : {QStringLiteral("classes.tsv"), QStringLiteral("index.tsv")})
            QVERIFY(QFile::copy(m_packed + QLatin1Char('/') + name, broken + QLatin1Char('/') + name));
        const QByteArray first = readAll(m_packed + QStringLiteral("/index.tsv")).split('\t').first();
        QVERIFY(QFile::copy(m_packed + QLatin1Char('/') + QString::fromUtf8(first) + QStringLiteral(".rgb"),
                            broken + QLatin1Char('/') + QString::fromUtf8(first) + QStringLiteral(".rgb")));
        QFile mask(broken + QLatin1Char('/') + QString::fromUtf8(first) + QStringLiteral(".mask"));
        QVERIFY(mask.open(QIODevice::WriteOnly));
        mask.write(QByteArray(100, '\0'));
        mask.close();
        Run refused = train({QStringLiteral("--data"), broken, QStringLiteral("--output"),
                             m_dir.filePath(QStringLiteral("x.pt"))});
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains(QStringLiteral("missing or not 509×544 pixels")),
                 qPrintable(refused.err));

        // A class list of two, for the next two cases.
        const QString fewer = m_dir.filePath(QStringLiteral("fewer.csv"));
        QFile csv(fewer);
        QVERIFY(csv.open(QIODevice::WriteOnly));
        csv.write("index,name,hex\n0,Building,#3C1098\n1,Other,#8429F6\n");
        csv.close();

        // A mask colour that is not in the class list: the packer names the file and the pixel.
        const Run unknown = pack(m_dir.filePath(QStringLiteral("unknown")),
                                 {dataPath(QStringLiteral("dubai_aerial/tile_2"))}, fewer);
        QCOMPARE(unknown.exitCode, 1);
        QVERIFY2(unknown.err.contains(QStringLiteral("is not in the class list")) &&
                     unknown.err.contains(QStringLiteral("image_part_001.png")),
                 qPrintable(unknown.err));
        const QString twoClasses = m_dir.filePath(QStringLiteral("two"));
        QVERIFY(QDir().mkpath(twoClasses + QStringLiteral("/images")));
        QVERIFY(QDir().mkpath(twoClasses + QStringLiteral("/masks")));
        QImage image(64, 64, QImage::Format_RGB888);
        image.fill(Qt::gray);
        QVERIFY(image.save(twoClasses + QStringLiteral("/images/a.png")));
        QImage labels(64, 64, QImage::Format_RGB888);
        labels.fill(QColor(QStringLiteral("#8429F6")));
        QVERIFY(labels.save(twoClasses + QStringLiteral("/masks/a.png")));
        QVERIFY(pack(m_dir.filePath(QStringLiteral("two-packed")), {twoClasses}, fewer).exitCode == 0);
        refused = train({QStringLiteral("--data"), m_dir.filePath(QStringLiteral("two-packed")),
                         QStringLiteral("--output"), m_dir.filePath(QStringLiteral("x.pt")),
                         QStringLiteral("--init"), QStringLiteral(SEGSTUDIO_DEFAULT_MODEL)});
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains(QStringLiteral("predicts other classes than the packed data (6 vs 2)")),
                 qPrintable(refused.err));
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("x.pt"))));

        // As many classes, but one named otherwise: the ids would mean other things.
        const QString renamed = m_dir.filePath(QStringLiteral("renamed.csv"));
        QByteArray csvText = readAll(m_classes);
        csvText.replace("\"Land (unpaved area)\"", "Land");
        QFile renamedCsv(renamed);
        QVERIFY(renamedCsv.open(QIODevice::WriteOnly));
        renamedCsv.write(csvText);
        renamedCsv.close();
        QVERIFY(pack(m_dir.filePath(QStringLiteral("renamed-packed")), {twoClasses}, renamed).exitCode == 0);
        refused = train({QStringLiteral("--data"), m_dir.filePath(QStringLiteral("renamed-packed")),
                         QStringLiteral("--output"), m_dir.filePath(QStringLiteral("x.pt")),
                         QStringLiteral("--init"), QStringLiteral(SEGSTUDIO_DEFAULT_MODEL)});
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains(
                     QStringLiteral("calls class 1 \"Land (unpaved area)\" but the packed data \"Land\"")),
                 qPrintable(refused.err));
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("x.pt"))));
    }

private:
    QTemporaryDir m_dir;
    QString m_classes, m_packed;
};

QTEST_GUILESS_MAIN(TestInferTools)
#include "test_infer_tools.moc"
