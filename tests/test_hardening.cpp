// Bad input as a careless user or an attacker would give it, to the real segstudio-cli: every
// case gets a clear message and exit code 1 (never an abort), no existing file is lost, outputs
// are checked before any work, and opening a file never reaches the network unless allowed.
#include "annotation/gdal_setup.h"
#include "annotation/mask_files.h"
#include "annotation/raster_source.h"
#include "http_test_server.h"
#include "inference/segmentation_model.h"
#include "small_model.h"
#include "storage/atomic_file.h"
#include "test_support.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <sys/stat.h>
#include <unistd.h>

using namespace segstudio;
using segstudio::test::dataPath;

namespace {

test::ProcessRun cli(const QStringList& arguments, int timeoutMs = 300000) {
    return test::runProcess(QStringLiteral(SEGSTUDIO_CLI), arguments, timeoutMs);
}

// The command under a shell that first limits the size of any file it writes (in 512-byte
// blocks) and ignores SIGXFSZ: each write past the limit fails with EFBIG, as on a full disk.
test::ProcessRun cliWithFileSizeLimit(int blocks, const QStringList& arguments) {
    return test::runProcess(
        QStringLiteral("/bin/sh"),
        QStringList{QStringLiteral("-c"),
                    QStringLiteral("ulimit -f %1; trap '' XFSZ; exec \"$0\" \"$@\"").arg(blocks),
                    QStringLiteral(SEGSTUDIO_CLI)} +
            arguments);
}

QByteArray digest(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256);
}

bool writeFile(const QString& path, const QByteArray& content) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(content) == content.size();
}

// Files in `folder` whose names look like our temporaries or backups.
QStringList leftovers(const QString& folder) {
    QStringList found;
    for (const QString& name : QDir(folder).entryList(QDir::Files | QDir::Hidden | QDir::System))
        if (name.contains(QLatin1String(".tmp-")) || name.contains(QLatin1String(".old-")) ||
            name.contains(QLatin1String(".partial")) || name.contains(QLatin1String(".stream.")))
            found << name;
    return found;
}

// A strip TIFF of a few hundred bytes whose header claims `width` × `height` pixels.
QByteArray tiffClaiming(quint32 width, quint32 height) {
    QByteArray b("II*\0", 4);
    const auto u16 = [&b](quint16 v) { b.append(char(v & 0xff)).append(char(v >> 8)); };
    const auto u32 = [&b](quint32 v) {
        for (int i = 0; i < 4; ++i)
            b.append(char((v >> (8 * i)) & 0xff));
    };
    u32(8);
    const int entries = 9;
    const quint32 dataOffset = 8 + 2 + entries * 12 + 4;
    u16(entries);
    const auto entry = [&](quint16 tag, quint16 type, quint32 value) {
        u16(tag);
        u16(type);
        u32(1);
        if (type == 3) {
            u16(quint16(value));
            u16(0);
        } else {
            u32(value);
        }
    };
    entry(256, 4, width);
    entry(257, 4, height);
    entry(258, 3, 8);
    entry(259, 3, 1);
    entry(262, 3, 1);
    entry(273, 4, dataOffset);
    entry(277, 3, 1);
    entry(278, 4, height);
    entry(279, 4, 100);
    u32(0);
    b.append(QByteArray(100, '\0'));
    return b;
}

} // namespace

class TestHardening : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        initializeGdal();
        QVERIFY(m_dir.isValid());
        std::string error;
        m_model = m_dir.filePath(QStringLiteral("model/model.pt"));
        QVERIFY2(test::saveSmallSixClassModel(m_model.toStdString(), "hardening-test", &error),
                 error.c_str());
        m_image = m_dir.filePath(QStringLiteral("image.tif"));
        QVERIFY(QFile::copy(dataPath(QStringLiteral("geotiff/rgb-byte-tenth.tif")), m_image));
    }

    // Numbers no double holds, in a model sidecar and in a class list: a message, not an abort.
    void overflowingNumbersInJsonAreErrors() {
        QDir().mkpath(m_dir.filePath(QStringLiteral("overflow")));
        QFile::copy(m_model, m_dir.filePath(QStringLiteral("overflow/model.pt")));
        QFile sidecar(m_dir.filePath(QStringLiteral("model/model.json")));
        QVERIFY(sidecar.open(QIODevice::ReadOnly));
        QByteArray json = sidecar.readAll();
        json.replace("\"version\": 1", "\"version\": 1e999");
        QVERIFY(json.contains("1e999"));
        QVERIFY(writeFile(m_dir.filePath(QStringLiteral("overflow/model.json")), json));
        const auto run =
            cli({"predict", "--model", m_dir.filePath(QStringLiteral("overflow/model.pt")), "--input",
                 m_image, "--output", m_dir.filePath(QStringLiteral("overflow.tif"))});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(QStringLiteral("not valid JSON")), qPrintable(run.err));

        QVERIFY(writeFile(
            m_dir.filePath(QStringLiteral("overflow/classes.json")),
            "{\"format\": \"segstudio-unet\", \"classes\": [{\"name\": \"a\", \"color\": \"#000000\"}], "
            "\"mean\": [1e999, 0, 0]}"));
        const QString mask = dataPath(QStringLiteral("dubai_aerial/tile_2/masks/image_part_001.png"));
        const auto eval = cli({"eval", "--prediction", mask, "--reference", mask, "--classes",
                               m_dir.filePath(QStringLiteral("overflow/classes.json"))});
        QCOMPARE(eval.exitCode, 1);
        QVERIFY2(eval.err.contains(QStringLiteral("not valid JSON")), qPrintable(eval.err));
    }

    // Every option gets a range, checked before any work: no output appears, nothing aborts.
    void optionsOutOfRangeAreRefusedFirst_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        const QString data = dataPath(QStringLiteral("dubai_aerial/tile_2"));
        const QString classes = dataPath(QStringLiteral("dubai_aerial/classes.csv"));
        const QStringList train{"train",    "--data",   data,      "--classes", classes,
                                "--output", "OUT/m.pt", "--steps", "1"};
        QTest::newRow("negative learning rate") << train + QStringList{"--lr", "-1"} << "--lr wants a number";
        QTest::newRow("width 0") << train + QStringList{"--width", "0"} << "--width wants a number from 0.05";
        QTest::newRow("crop 0") << train + QStringList{"--crop", "0"}
                                << "--crop wants a whole number from 32";
        QTest::newRow("crop 5000") << train + QStringList{"--crop", "5000"} << "--crop wants a whole number";
        QTest::newRow("batch 0") << train + QStringList{"--batch", "0"}
                                 << "--batch wants a whole number from 1";
        QTest::newRow("batch × crop² too large")
            << train + QStringList{"--batch", "64", "--crop", "1024"} << "over 16 megapixels per step";
        QTest::newRow("dice nan") << train + QStringList{"--dice", "nan"} << "--dice wants a number";
        QTest::newRow("steps 0") << QStringList{"train",    "--data",   data,      "--classes", classes,
                                                "--output", "OUT/m.pt", "--steps", "0"}
                                 << "--steps wants a whole number from 1";
        QTest::newRow("steps not a number")
            << QStringList{"train",    "--data",   data,      "--classes", classes,
                           "--output", "OUT/m.pt", "--steps", "12abc"}
            << "not “12abc”";
        const QStringList predict{"predict", "--model", "MODEL", "--input", "IMAGE", "--output", "OUT/p.tif"};
        QTest::newRow("tile 0") << predict + QStringList{"--tile", "0"}
                                << "--tile wants a whole number from 32";
        QTest::newRow("tile -512") << predict + QStringList{"--tile", "-512"}
                                   << "--tile wants a whole number";
        QTest::newRow("overlap 600") << predict + QStringList{"--overlap", "600"}
                                     << "overlap must be from 0 to half the window";
        QTest::newRow("block 0") << predict + QStringList{"--block", "0"} << "--block wants a whole number";
        QTest::newRow("bench size too large")
            << QStringList{"bench", "--model", "MODEL", "--size", "100000x100000"}
            << "at most 256 megapixels";
    }

    void optionsOutOfRangeAreRefusedFirst() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const QString out = m_dir.filePath(QStringLiteral("ranges"));
        for (QString& argument : arguments) {
            argument.replace(QLatin1String("OUT/"), out + QLatin1Char('/'));
            if (argument == QLatin1String("MODEL"))
                argument = m_model;
            if (argument == QLatin1String("IMAGE"))
                argument = m_image;
        }
        const auto run = cli(arguments);
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(message), qPrintable(run.err));
        QVERIFY2(!run.err.contains(QStringLiteral("train:")),
                 "the checks must come before any training step");
        QVERIFY(!QFileInfo::exists(out));
    }

    // An output under a regular file is refused before training starts, not after it.
    void outputUnderAFileFailsBeforeTraining() {
        const QString file = m_dir.filePath(QStringLiteral("a-file"));
        QVERIFY(writeFile(file, "x"));
        const auto run = cli({"train", "--data", dataPath(QStringLiteral("dubai_aerial/tile_2")), "--classes",
                              dataPath(QStringLiteral("dubai_aerial/classes.csv")), "--output",
                              file + "/m.pt", "--steps", "1"});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(QStringLiteral("is a file, not a folder")), qPrintable(run.err));
        QVERIFY(!run.err.contains(QStringLiteral("train:")));
    }

    // A folder that refuses new files, even to root: found before the work, said in words.
    void unwritableOutputFolderIsAMessage() {
        const auto run =
            cli({"predict", "--model", m_model, "--input", m_image, "--output", "/sys/segstudio.tif"});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(QStringLiteral("no permission")) ||
                     run.err.contains(QStringLiteral("read-only")),
                 qPrintable(run.err));
        QVERIFY2(!run.err.contains(QStringLiteral("frame #")), qPrintable(run.err));
        QVERIFY(!run.err.contains(QStringLiteral("predict:")));
    }

    void outputsThatAreInputsOrEachOtherAreRefused() {
        const QByteArray before = digest(m_image);
        const auto same = cli({"predict", "--model", m_model, "--input", m_image, "--output", m_image});
        QCOMPARE(same.exitCode, 1);
        QVERIFY2(same.err.contains(QStringLiteral("is also an input")), qPrintable(same.err));
        QCOMPARE(digest(m_image), before);
        // The same file by another name.
        const QString link = m_dir.filePath(QStringLiteral("image-link.tif"));
        QVERIFY(QFile::link(m_image, link));
        QCOMPARE(cli({"predict", "--model", m_model, "--input", m_image, "--output", link}).exitCode, 1);
        QCOMPARE(digest(m_image), before);

        const QString good = m_dir.filePath(QStringLiteral("twice.tif"));
        QVERIFY(writeFile(good, "an earlier result"));
        const auto twice =
            cli({"predict", "--model", m_model, "--input", m_image, "--output", good, "--confidence", good});
        QCOMPARE(twice.exitCode, 1);
        QVERIFY2(twice.err.contains(QStringLiteral("name the same file")), qPrintable(twice.err));
        QCOMPARE(digest(good), digest(good)); // still readable
        QFile kept(good);
        QVERIFY(kept.open(QIODevice::ReadOnly));
        QCOMPARE(kept.readAll(), QByteArray("an earlier result"));
    }

    // A header that claims billions of pixels is refused from the header (or at the first read
    // of its missing data), in well under the time it would take to allocate them.
    void impossibleHeadersAreRefusedFromTheHeader() {
        const QString wide = m_dir.filePath(QStringLiteral("wide.tif"));
        const QString square = m_dir.filePath(QStringLiteral("square.tif"));
        QVERIFY(writeFile(wide, tiffClaiming(2'000'000'000u, 10)));
        QVERIFY(writeFile(square, tiffClaiming(1'000'000u, 1'000'000u)));
        QVERIFY(QFileInfo(wide).size() < 300);
        const auto info = cli({"info", wide});
        QCOMPARE(info.exitCode, 1);
        QVERIFY2(info.err.contains(QStringLiteral("blocks of at most")), qPrintable(info.err));
        const QString classes = dataPath(QStringLiteral("dubai_aerial/classes.csv"));
        for (const QString& path : {wide, square}) {
            const auto eval = cli({"eval", "--prediction", path, "--reference", path, "--classes", classes});
            QCOMPARE(eval.exitCode, 1);
            // eval streams masks of any size: refused for its blocks, or at its first read.
            QVERIFY2(eval.err.contains(QStringLiteral("blocks of at most")) ||
                         eval.err.contains(QStringLiteral("could not be read")),
                     qPrintable(eval.err));
        }
    }

    // A full disk (a file size limit makes every write past it fail) leaves the previous
    // output whole, says so, and leaves no temporary behind; PNG and GeoTIFF alike.
    void fullDiskKeepsThePreviousOutput_data() {
        QTest::addColumn<QString>("name");
        QTest::newRow("png") << QStringLiteral("full.png");
        QTest::newRow("geotiff") << QStringLiteral("full.tif");
    }

    void fullDiskKeepsThePreviousOutput() {
        QFETCH(QString, name);
        const QString folder = m_dir.filePath(QStringLiteral("full-") + name);
        QDir().mkpath(folder);
        const QString output = QDir(folder).filePath(name);
        const QString input = dataPath(QStringLiteral("dubai_aerial/tile_2/images/image_part_001.jpg"));
        const QStringList arguments{"predict", "--model", m_model, "--input", input, "--output", output};
        const auto good = cli(arguments);
        QVERIFY2(good.exitCode == 0, qPrintable(good.err));
        const QByteArray before = digest(output);
        QVERIFY(QFileInfo(output).size() > 2048);
        const auto full = cliWithFileSizeLimit(2, arguments); // 1 KiB per file
        QCOMPARE(full.exitCode, 1);
        QVERIFY2(full.err.contains(QStringLiteral("disk is full")) ||
                     full.err.contains(QStringLiteral("larger than this system allows")),
                 qPrintable(full.err));
        QCOMPARE(digest(output), before);
        QCOMPARE(leftovers(folder), QStringList());
    }

    // Predictable temporary names planted as links to another file: nothing writes through them.
    void plantedLinksAtTemporaryNamesAreNotFollowed() {
        const QString folder = m_dir.filePath(QStringLiteral("links"));
        QDir().mkpath(folder);
        const QString victim = m_dir.filePath(QStringLiteral("victim.txt"));
        QVERIFY(writeFile(victim, "precious"));
        for (const QString& name :
             {QStringLiteral("out.tif.partial.tif"), QStringLiteral("out.tif.tmp"),
              QStringLiteral("m.pt.tmp"), QStringLiteral("m.json.tmp"), QStringLiteral(".out.tif.tmp")})
            QVERIFY(QFile::link(victim, QDir(folder).filePath(name)));
        const auto predict = cli({"predict", "--model", m_model, "--input", m_image, "--output",
                                  QDir(folder).filePath(QStringLiteral("out.tif"))});
        QVERIFY2(predict.exitCode == 0, qPrintable(predict.err));
        const auto train = cli({"train", "--data", dataPath(QStringLiteral("dubai_aerial/tile_2")),
                                "--classes", dataPath(QStringLiteral("dubai_aerial/classes.csv")), "--output",
                                QDir(folder).filePath(QStringLiteral("m.pt")), "--steps", "1", "--width",
                                "0.25", "--batch", "1", "--crop", "64"});
        QVERIFY2(train.exitCode == 0, qPrintable(train.err));
        QFile file(victim);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), QByteArray("precious"));
        std::string error;
        QVERIFY2(inference::SegmentationModel::load(
                     QDir(folder).filePath(QStringLiteral("m.pt")).toStdString(), &error),
                 error.c_str());
    }

    // A group of files is replaced whole or not at all.
    void aFailedGroupCommitPutsTheOldFilesBack() {
        const QString folder = m_dir.filePath(QStringLiteral("group"));
        QDir().mkpath(folder);
        const QString first = QDir(folder).filePath(QStringLiteral("a.bin"));
        const QString second = QDir(folder).filePath(QStringLiteral("b.bin"));
        QVERIFY(writeFile(first, "old a"));
        QVERIFY(writeFile(second, "old b"));
        storage::PendingFile a, b;
        std::string error;
        QVERIFY(a.create(first.toStdString(), &error) && a.write("new a", 5, &error));
        QVERIFY(b.create(second.toStdString(), &error) && b.write("new b", 5, &error));
        // The second target becomes a folder holding a file: no rename can replace it.
        QVERIFY(QFile::remove(second));
        QVERIFY(QDir().mkpath(second + QStringLiteral("/inside")));
        QVERIFY(!storage::commitGroup({&a, &b}, &error));
        QVERIFY2(QString::fromStdString(error).contains(QStringLiteral("cannot replace")), error.c_str());
        QFile kept(first);
        QVERIFY(kept.open(QIODevice::ReadOnly));
        QCOMPARE(kept.readAll(), QByteArray("old a"));
        QCOMPARE(leftovers(folder), QStringList());
    }

    // Weights beside a sidecar of another save are a clear error, not a model with wrong classes.
    void weightsAndSidecarOfDifferentSavesAreRefused() {
        const QString folder = m_dir.filePath(QStringLiteral("mixed"));
        std::string error;
        auto model = inference::SegmentationModel::load(m_model.toStdString(), &error);
        QVERIFY2(model, error.c_str());
        QVERIFY(model->save((folder + QStringLiteral("/m.pt")).toStdString(), &error));
        QFile sidecar(folder + QStringLiteral("/m.json"));
        QVERIFY(sidecar.open(QIODevice::ReadOnly));
        const QByteArray json = sidecar.readAll();
        sidecar.close();
        QVERIFY(json.contains("\"weights_bytes\""));
        // Other weights (a resnet of another width) under the same name, the old sidecar kept.
        inference::ModelMetadata other = model->metadata();
        other.architecture.width = 0.125;
        QVERIFY(inference::SegmentationModel::createBuiltIn(other, 3)->save(
            (folder + QStringLiteral("/m.pt")).toStdString(), &error));
        QVERIFY(writeFile(folder + QStringLiteral("/m.json"), json));
        QVERIFY(
            !inference::SegmentationModel::load((folder + QStringLiteral("/m.pt")).toStdString(), &error));
        QVERIFY2(QString::fromStdString(error).contains(QStringLiteral("different saves")), error.c_str());
    }

    void unclearMessagesAreClear_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        const QString mask = dataPath(QStringLiteral("dubai_aerial/tile_2/masks/image_part_001.png"));
        QTest::newRow("class list []")
            << QStringList{"eval", "--prediction", mask, "--reference", mask, "--classes", "DIR/empty.json"}
            << "must be a JSON object with a \"classes\" array";
        QTest::newRow("class list with no classes")
            << QStringList{"eval",      "--prediction",       mask, "--reference", mask,
                           "--classes", "DIR/header-only.csv"}
            << "has no classes";
        QTest::newRow("two classes sharing a colour")
            << QStringList{"eval", "--prediction", mask, "--reference", mask, "--classes", "DIR/shared.csv"}
            << "share the colour #3c1098";
        QTest::newRow("an indexed value without a class")
            << QStringList{"eval",
                           "--prediction",
                           "DIR/index7.png",
                           "--reference",
                           "DIR/index7.png",
                           "--classes",
                           dataPath(QStringLiteral("dubai_aerial/classes.csv"))}
            << "index 7 = #102030";
        QTest::newRow("random bytes as weights")
            << QStringList{"predict",  "--model",  "DIR/random/model.pt", "--input", "IMAGE",
                           "--output", "DIR/r.tif"}
            << "it is not a PyTorch file";
        QTest::newRow("masks of different sizes")
            << QStringList{"eval",
                           "--prediction",
                           "DIR/index7.png",
                           "--reference",
                           mask,
                           "--classes",
                           dataPath(QStringLiteral("dubai_aerial/classes.csv"))}
            << "the prediction";
        QTest::newRow("a fifo as the image") << QStringList{"info", "DIR/fifo"} << "not a regular file";
        QTest::newRow("a fifo as the class list")
            << QStringList{"eval", "--prediction", mask, "--reference", mask, "--classes", "DIR/fifo"}
            << "not a regular file";
    }

    void unclearMessagesAreClear() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const QString dir = m_dir.filePath(QStringLiteral("messages"));
        QDir().mkpath(dir + QStringLiteral("/random"));
        writeFile(dir + QStringLiteral("/empty.json"), "[]");
        writeFile(dir + QStringLiteral("/header-only.csv"), "index,name,hex\n");
        writeFile(dir + QStringLiteral("/shared.csv"), "index,name,hex\n0,a,#3c1098\n1,b,#3c1098\n");
        QByteArray noise(1000, '\0');
        for (int i = 0; i < noise.size(); ++i)
            noise[i] = char((i * 7919) % 251);
        writeFile(dir + QStringLiteral("/random/model.pt"), noise);
        QFile::remove(dir + QStringLiteral("/random/model.json"));
        QFile::copy(m_dir.filePath(QStringLiteral("model/model.json")),
                    dir + QStringLiteral("/random/model.json"));
        if (!QFileInfo::exists(dir + QStringLiteral("/fifo")))
            QCOMPARE(::mkfifo(QFile::encodeName(dir + QStringLiteral("/fifo")).constData(), 0644), 0);
        // An indexed PNG whose entry 7 has a colour no class has.
        QImage indexed(40, 30, QImage::Format_Indexed8);
        QList<QRgb> table(8, qRgb(0x3c, 0x10, 0x98));
        table[7] = qRgb(0x10, 0x20, 0x30);
        indexed.setColorTable(table);
        indexed.fill(7);
        QVERIFY(indexed.save(dir + QStringLiteral("/index7.png")));
        for (QString& argument : arguments) {
            argument.replace(QLatin1String("DIR/"), dir + QLatin1Char('/'));
            if (argument == QLatin1String("IMAGE"))
                argument = m_image;
        }
        const auto run = cli(arguments, 30000);
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(message), qPrintable(run.err));
        QVERIFY2(!run.err.contains(QStringLiteral("no error occurred")), qPrintable(run.err));
    }

    // A file that changes or vanishes after it was opened: reads fail with a message, the
    // process goes on, and nothing is written to the file.
    void aFileChangingUnderAnOpenSourceIsAnError() {
        const QString path = m_dir.filePath(QStringLiteral("changing.tif"));
        test::RasterSpec spec;
        // Overviews, so opening reads them and not the full-resolution blocks read below.
        spec.width = 3000;
        spec.height = 3000;
        spec.overviewFactors = {2, 4};
        QVERIFY(test::writeGeoTiff(path, spec, [](int, int x, int y) { return (x * 7 + y * 3) % 251; }));
        QString error;
        const auto source = RasterSource::open(path, &error);
        QVERIFY2(source, qPrintable(error));
        // Cut to a tenth while open (another program rewriting it), then gone altogether.
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.resize(file.size() / 10));
        file.close();
        const QImage tile = source->renderTile(0, 10, 10, source->defaultDisplay(), &error);
        QVERIFY(tile.isNull());
        QVERIFY2(error.contains(QStringLiteral("damaged or truncated")), qPrintable(error));
        QVERIFY(QFile::remove(path));
        error.clear();
        QVERIFY(source->renderTile(0, 11, 9, source->defaultDisplay(), &error).isNull());
        QVERIFY(!error.isEmpty());
        QVERIFY(!QFileInfo::exists(path));
        // A mask path that is a folder is named as one.
        QVERIFY(!MaskFiles::load(m_dir.path(), QSize(10, 10), ClassPalette::dubaiAerial(), &error));
        QVERIFY2(error.contains(QStringLiteral("is a folder, not a mask file")), qPrintable(error));
    }

    void predictJsonIsValidForAnyPath() {
        const QString output = m_dir.filePath(QStringLiteral("a\"b\\c.png"));
        const auto run = cli({"predict", "--model", m_model, "--input", m_image, "--output", output});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QJsonParseError parseError;
        const QJsonDocument json = QJsonDocument::fromJson(run.out.trimmed(), &parseError);
        QVERIFY2(!json.isNull(), qPrintable(parseError.errorString()));
        QCOMPARE(json.object().value(QStringLiteral("output")).toString(), output);
    }

    void trainIntoAFolderWritesModelPtThere() {
        const QString folder = m_dir.filePath(QStringLiteral("into-folder")) + QLatin1Char('/');
        const auto run = cli({"train", "--data", dataPath(QStringLiteral("dubai_aerial/tile_2")), "--classes",
                              dataPath(QStringLiteral("dubai_aerial/classes.csv")), "--output", folder,
                              "--steps", "1", "--width", "0.25", "--batch", "1", "--crop", "64"});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY(QFileInfo::exists(folder + QStringLiteral("model.pt")));
        QVERIFY(QFileInfo::exists(folder + QStringLiteral("model.json")));
        QVERIFY(!QFileInfo::exists(folder + QStringLiteral(".pt")));
    }

    // SIGTERM in the middle of a prediction leaves neither the output nor a temporary.
    void terminatedRunLeavesNothingBehind() {
        const QString folder = m_dir.filePath(QStringLiteral("terminated"));
        QDir().mkpath(folder);
        QProcess process;
        process.start(QStringLiteral(SEGSTUDIO_CLI),
                      {"predict", "--model", m_model, "--input",
                       dataPath(QStringLiteral("geotiff/RGB.byte.tif")), "--output",
                       QDir(folder).filePath(QStringLiteral("out.tif")), "--tile", "64", "--overlap", "32",
                       "--block", "256", "--device", "cpu"});
        QVERIFY(process.waitForStarted());
        // Wait for the first progress line: the output's temporary exists by then.
        QByteArray err;
        while (!err.contains("predict:") && process.state() == QProcess::Running) {
            process.waitForReadyRead(1000);
            err += process.readAllStandardError();
        }
        QVERIFY2(err.contains("predict:"), err.constData());
        QVERIFY(!leftovers(folder).isEmpty() ||
                QDir(folder).entryList(QDir::Files | QDir::Hidden).size() > 0);
        process.terminate(); // SIGTERM
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitStatus(), QProcess::CrashExit);
        QCOMPARE(QDir(folder).entryList(QDir::Files | QDir::Hidden | QDir::System), QStringList());
    }

    // Opening a file never reaches the network unless allowed, whatever the file names.
    void filesDoNotReachTheNetwork() {
        test::HttpTestServer server; // serves nothing: every request is counted and gets 404
        const QString dir = m_dir.filePath(QStringLiteral("network"));
        QDir().mkpath(dir);
        const QByteArray vrt =
            QStringLiteral("<VRTDataset rasterXSize=\"64\" rasterYSize=\"64\"><VRTRasterBand "
                           "dataType=\"Byte\" band=\"1\"><SimpleSource><SourceFilename>/vsicurl/%1"
                           "</SourceFilename><SourceBand>1</SourceBand></SimpleSource>"
                           "</VRTRasterBand></VRTDataset>")
                .arg(server.url(QStringLiteral("/remote.tif")))
                .toUtf8();
        QVERIFY(writeFile(dir + QStringLiteral("/remote.vrt"), vrt));
        QVERIFY(writeFile(dir + QStringLiteral("/disguised.png"), vrt)); // a VRT under another name
        // A local VRT that names a local VRT that names the server: found at any depth.
        QVERIFY(writeFile(
            dir + QStringLiteral("/outer.vrt"),
            "<VRTDataset rasterXSize=\"64\" rasterYSize=\"64\"><VRTRasterBand dataType=\"Byte\" "
            "band=\"1\"><SimpleSource><SourceFilename relativeToVRT=\"1\">remote.vrt</SourceFilename>"
            "<SourceBand>1</SourceBand></SimpleSource></VRTRasterBand></VRTDataset>"));
        const QString cache = dir + QStringLiteral("/wms-cache");
        QVERIFY(writeFile(
            dir + QStringLiteral("/service.xml"),
            QStringLiteral("<GDAL_WMS><Service name=\"TMS\"><ServerUrl>%1/${z}/${x}/${y}.png</ServerUrl>"
                           "</Service><DataWindow><UpperLeftX>-20037508.34</UpperLeftX><UpperLeftY>"
                           "20037508.34</UpperLeftY><LowerRightX>20037508.34</LowerRightX><LowerRightY>"
                           "-20037508.34</LowerRightY><TileLevel>2</TileLevel><TileCountX>1</TileCountX>"
                           "<TileCountY>1</TileCountY></DataWindow><Cache><Path>%2</Path></Cache>"
                           "</GDAL_WMS>")
                .arg(server.url(QStringLiteral("/tiles")), cache)
                .toUtf8()));
        const QString mask = dataPath(QStringLiteral("dubai_aerial/tile_2/masks/image_part_001.png"));
        const QString classes = dataPath(QStringLiteral("dubai_aerial/classes.csv"));
        const QList<QStringList> commands{
            {"info", dir + QStringLiteral("/remote.vrt")},
            {"info", dir + QStringLiteral("/disguised.png")},
            {"info", dir + QStringLiteral("/outer.vrt")},
            {"info", dir + QStringLiteral("/service.xml")},
            {"predict", "--model", m_model, "--input", dir + QStringLiteral("/remote.vrt"), "--output",
             dir + QStringLiteral("/p.tif")},
            {"eval", "--prediction", mask, "--reference", server.url(QStringLiteral("/reference.png")),
             "--classes", classes},
            {"eval", "--prediction", dir + QStringLiteral("/disguised.png"), "--reference", mask, "--classes",
             classes},
        };
        for (const QStringList& command : commands) {
            const auto run = cli(command, 60000);
            QCOMPARE(run.exitCode, 1);
            QVERIFY2(run.err.contains(QStringLiteral("network sources are off")) ||
                         run.err.contains(QStringLiteral("does not exist")),
                     qPrintable(command.join(QLatin1Char(' ')) + QStringLiteral(": ") + run.err));
        }
        QCOMPARE(server.requests(), 0);
        QVERIFY(!QFileInfo::exists(cache));
        // The listener does count: allowed, the same file reaches it.
        cli({"--allow-network", "info", dir + QStringLiteral("/remote.vrt")}, 60000);
        QVERIFY(server.requests() > 0);
    }

private:
    QTemporaryDir m_dir;
    QString m_model;
    QString m_image;
};

QTEST_GUILESS_MAIN(TestHardening)
#include "test_hardening.moc"
