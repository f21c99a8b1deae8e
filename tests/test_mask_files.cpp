// Mask files: the real colour-coded and palette masks of dubai_aerial decode to the class counts
// of its stats.csv; our PNG and GeoTIFF masks round-trip byte for byte; bad files are refused
// with a message and change nothing; the autosave journal survives a torn last record.
#include "annotation/edit_journal.h"
#include "annotation/gdal_setup.h"
#include "annotation/label_document.h"
#include "annotation/mask_files.h"
#include "annotation/mask_painter.h"
#include "annotation/mask_tools.h"
#include "annotation/tile_codec.h"
#include "test_support.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QImageReader>
#include <QTemporaryDir>
#include <QTest>
#include <cpl_conv.h>
#include <gdal.h>
#include <ogr_srs_api.h>

using namespace segstudio;
using segstudio::test::dataPath;

namespace {

// A mask with some of everything: several classes, provenance kinds, tiles left empty.
LabelMask sampleMask(QSize size) {
    LabelDocument document(LabelMask(size), ClassPalette::dubaiAerial());
    MaskPainter painter(document, QStringLiteral("Sample"));
    for (int i = 0; i < 12; ++i)
        MaskTools::paintSegment(painter,
                                {size.width() * (i % 4) / 4.0 + 10, size.height() * (i / 4) / 3.0 + 5},
                                {size.width() * ((i + 1) % 4) / 4.0, size.height() * ((i + 2) % 3) / 3.0},
                                7 + i * 3, PaintSpec{quint8(i % 6)});
    MaskTools::fillPolygon(painter, QPolygonF({QPointF(5, 5), QPointF(60, 9), QPointF(20, 50)}),
                           PaintSpec{4});
    MaskTools::markReviewed(painter, document.mask(),
                            QPolygonF(QRectF(0, 0, size.width() / 2.0, size.height())));
    painter.commit();
    return document.mask();
}

} // namespace

class TestMaskFiles : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        initializeGdal();
        QVERIFY(m_dir.isValid());
    }

    void dubaiMasksDecodeToTheirStatistics() {
        QFile csv(dataPath(QStringLiteral("dubai_aerial/stats.csv")));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QStringList header = QString::fromUtf8(csv.readLine()).trimmed().split(QLatin1Char(','));
        QCOMPARE(header.value(4), QStringLiteral("px_building"));
        const ClassPalette palette = ClassPalette::dubaiAerial();
        int masks = 0;
        int paletteMasks = 0;
        QElapsedTimer timer;
        timer.start();
        while (!csv.atEnd()) {
            const QStringList row = QString::fromUtf8(csv.readLine()).trimmed().split(QLatin1Char(','));
            if (row.size() < 11)
                continue;
            const QString path = dataPath(QStringLiteral("dubai_aerial/") + row[1]);
            const QSize size(row[2].toInt(), row[3].toInt());
            QString error;
            const auto mask = MaskFiles::load(path, size, palette, &error);
            QVERIFY2(mask, qPrintable(row[1] + QStringLiteral(": ") + error));
            const auto counts = mask->classHistogram();
            for (int c = 0; c < 6; ++c)
                QVERIFY2(counts[size_t(c)] == row[4 + c].toLongLong(),
                         qPrintable(QStringLiteral("%1 class %2: %3 != %4")
                                        .arg(row[1])
                                        .arg(c)
                                        .arg(counts[size_t(c)])
                                        .arg(row[4 + c])));
            QCOMPARE(counts[Unlabeled], row[10].toLongLong()); // black = unannotated
            if (QImageReader(path).imageFormat() == QImage::Format_Indexed8)
                ++paletteMasks;
            ++masks;
        }
        QCOMPARE(masks, 54);
        QCOMPARE(paletteMasks, 9); // tile 2 stores palette PNGs with a gAMA chunk
        qInfo("decoded 54 masks (86.6 Mpx) in %lld ms", timer.elapsed());
    }

    void indexedPngRoundTripsByteIdentical() {
        const LabelMask mask = sampleMask(QSize(700, 530));
        const QString path = m_dir.filePath(QStringLiteral("round.png"));
        ClassPalette palette = ClassPalette::dubaiAerial();
        palette.setName(3, QStringLiteral("Trees"));
        QString error;
        QVERIFY2(MaskFiles::save(path, mask, palette, Georeference(), &error), qPrintable(error));
        // A real indexed PNG whose indices are the class ids and whose colours are the palette's.
        const QImage image(path);
        QCOMPARE(image.format(), QImage::Format_Indexed8);
        QCOMPARE(image.size(), QSize(700, 530));
        QCOMPARE(image.pixelIndex(20, 12), int(mask.classAt(20, 12)));
        QCOMPARE(QColor(image.color(4)).name(), QStringLiteral("#e2a929"));
        QCOMPARE(image.pixelIndex(699, 529), int(mask.classAt(699, 529)));
        const auto sidecar = MaskFiles::loadPaletteSidecar(path, &error);
        QVERIFY(sidecar);
        QCOMPARE(*sidecar, palette);
        const auto back = MaskFiles::load(path, mask.size(), *sidecar, &error);
        QVERIFY2(back, qPrintable(error));
        QVERIFY(back->contentEquals(mask)); // classes and provenance (through its sidecar)
        QVERIFY(mask.provenanceHistogram()[size_t(Provenance::Reviewed)] > 0);
        // No temporary files left behind.
        QCOMPARE(QDir(m_dir.path()).entryList({QStringLiteral("*tmp*")}, QDir::Files).size(), 0);
    }

    void geoTiffRoundTripsWithGeoreference() {
        const LabelMask mask = sampleMask(QSize(1000, 600));
        const QString path = m_dir.filePath(QStringLiteral("round.tif"));
        OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
        OSRImportFromEPSG(srs, 32640);
        char* wkt = nullptr;
        OSRExportToWkt(srs, &wkt);
        const Georeference georeference({500000, 0.5, 0, 2800000, 0, -0.5}, QString::fromUtf8(wkt));
        CPLFree(wkt);
        OSRDestroySpatialReference(srs);
        QString error;
        QVERIFY2(MaskFiles::save(path, mask, ClassPalette::dubaiAerial(), georeference, &error),
                 qPrintable(error));

        GDALDatasetH dataset = GDALOpen(path.toUtf8().constData(), GA_ReadOnly);
        QVERIFY(dataset);
        double transform[6];
        QCOMPARE(GDALGetGeoTransform(dataset, transform), CE_None);
        QCOMPARE(transform[0], 500000.0);
        QCOMPARE(transform[5], -0.5);
        OGRSpatialReferenceH written = OSRNewSpatialReference(GDALGetProjectionRef(dataset));
        QCOMPARE(QString::fromUtf8(OSRGetAuthorityCode(written, nullptr)), QStringLiteral("32640"));
        OSRDestroySpatialReference(written);
        GDALRasterBandH band = GDALGetRasterBand(dataset, 1);
        int hasNoData = 0;
        QCOMPARE(GDALGetRasterNoDataValue(band, &hasNoData), 255.0);
        QVERIFY(hasNoData);
        QVERIFY(GDALGetRasterColorTable(band));
        QCOMPARE(GDALGetColorEntry(GDALGetRasterColorTable(band), 0)->c1, short(0x3C));
        int blockX = 0, blockY = 0;
        GDALGetBlockSize(band, &blockX, &blockY);
        QCOMPARE(blockX, 256);
        QCOMPARE(blockY, 256);
        QCOMPARE(QString::fromUtf8(GDALGetMetadataItem(dataset, "COMPRESSION", "IMAGE_STRUCTURE")),
                 QStringLiteral("DEFLATE"));
        GDALClose(dataset);

        const auto back = MaskFiles::load(path, mask.size(), ClassPalette::dubaiAerial(), &error);
        QVERIFY2(back, qPrintable(error));
        QVERIFY(back->contentEquals(mask));
    }

    void saveReplacesAtomically() {
        const QString path = m_dir.filePath(QStringLiteral("atomic.png"));
        QString error;
        QVERIFY(MaskFiles::save(path, sampleMask(QSize(300, 200)), ClassPalette::dubaiAerial(), {}, &error));
        const QByteArray before = readAll(path);
        const QByteArray classesBefore = readAll(MaskFiles::paletteSidecarPath(path));
        // A second save that fails late (its provenance sidecar cannot be put in place, here
        // because a folder stands in its way) leaves the first mask exactly as it was, and no
        // temporary file behind.
        const QString sidecar = MaskFiles::provenanceSidecarPath(path);
        QVERIFY(QFile::remove(sidecar));
        QVERIFY(QDir().mkpath(sidecar + QStringLiteral("/blocker")));
        LabelMask other(QSize(300, 200));
        QVERIFY(!MaskFiles::save(path, other, ClassPalette::dubaiAerial(), {}, &error));
        QVERIFY(error.contains(QStringLiteral("provenance")));
        QCOMPARE(readAll(path), before);
        // The group is whole: the classes sidecar was not replaced either.
        ClassPalette renamed = ClassPalette::dubaiAerial();
        renamed.setName(0, QStringLiteral("Renamed"));
        QVERIFY(!MaskFiles::save(path, other, renamed, {}, &error));
        QCOMPARE(readAll(MaskFiles::paletteSidecarPath(path)), classesBefore);
        QCOMPARE(
            QDir(m_dir.path())
                .entryList({QStringLiteral("*tmp*"), QStringLiteral("*.old-*")}, QDir::Files | QDir::Hidden)
                .size(),
            0);
        QVERIFY(QDir(sidecar).removeRecursively());
        QVERIFY(!MaskFiles::save(m_dir.filePath(QStringLiteral("mask.jpg")), other,
                                 ClassPalette::dubaiAerial(), {}, &error));
        QVERIFY(error.contains(QStringLiteral(".jpg")));
    }

    // Read in chunks of whole tiles: a mask wider than one chunk (4096 px) decodes everywhere.
    // A mask too large for the memory budget is read into a scratch file: the same pixels and
    // provenance, none of its tiles in memory.
    void aMaskBeyondTheBudgetIsReadIntoAScratchFile() {
        const LabelMask mask = sampleMask(QSize(1000, 600));
        const QString path = m_dir.filePath(QStringLiteral("scratch.tif"));
        QString error;
        QVERIFY2(MaskFiles::save(path, mask, ClassPalette::dubaiAerial(), {}, &error), qPrintable(error));
        const QString scratch = m_dir.filePath(QStringLiteral("scratch-store"));

        // 4 × 3 tiles of 128 KB: 1 MB in memory fits a 2 MB budget, not a 1 MB one.
        const auto inMemory =
            MaskFiles::loadWithin(path, mask.size(), ClassPalette::dubaiAerial(), 2 << 20, scratch, &error);
        QVERIFY2(inMemory, qPrintable(error));
        QCOMPARE(inMemory->storedOnlyTiles(), 0);
        const auto stored =
            MaskFiles::loadWithin(path, mask.size(), ClassPalette::dubaiAerial(), 1 << 20, scratch, &error);
        QVERIFY2(stored, qPrintable(error));
        QVERIFY(stored->allocatedTiles() > 0);
        QCOMPARE(stored->allocatedTiles(), mask.allocatedTiles());
        QCOMPARE(stored->storedOnlyTiles(), stored->allocatedTiles());
        // Their summaries only: less than one tile's pixels (the load in memory takes 12).
        QVERIFY2(stored->memoryBytes() < qint64(sizeof(MaskTile)),
                 qPrintable(QString::number(stored->memoryBytes())));
        QVERIFY(stored->contentEquals(mask)); // classes and provenance (reviewed, edited) alike
        QCOMPARE(stored->provenanceHistogram(), mask.provenanceHistogram());
        // The scratch file has no name: nothing is left in the folder.
        QCOMPARE(QDir(scratch).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).size(), 0);
    }

    void wideMasksDecodeAcrossReadChunks() {
        const QString tif = m_dir.filePath(QStringLiteral("wide.tif"));
        test::RasterSpec spec;
        spec.width = 4700;
        spec.height = 300;
        const auto classAt = [](int x, int y) { return (x / 256 + y / 100) % 5; };
        QVERIFY(test::writeGeoTiff(tif, spec, [&](int, int x, int y) { return classAt(x, y); }));
        QString error;
        const auto mask = MaskFiles::load(tif, QSize(4700, 300), ClassPalette::dubaiAerial(), &error);
        QVERIFY2(mask, qPrintable(error));
        for (const QPoint p :
             {QPoint(0, 0), QPoint(4095, 299), QPoint(4096, 0), QPoint(4699, 150), QPoint(4350, 257)})
            QCOMPARE(int(mask->classAt(p.x(), p.y())), classAt(p.x(), p.y()));
    }

    void badFilesAreRefused_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("message");
        QTest::newRow("wrong size") << "size"
                                    << "it is not a mask of this image";
        QTest::newRow("unknown colours") << "colours"
                                         << "#FF0000";
        QTest::newRow("palette that does not fit") << "palette"
                                                   << "do not fit the class list";
        QTest::newRow("class value not in the list") << "value"
                                                     << "value 77";
        QTest::newRow("truncated") << "truncated"
                                   << "truncated";
        QTest::newRow("not an image") << "garbage"
                                      << "not a readable raster";
        QTest::newRow("missing") << "missing"
                                 << "does not exist";
    }
    void badFilesAreRefused() {
        QFETCH(QString, kind);
        QFETCH(QString, message);
        const QSize size(300, 200);
        const QString path = m_dir.filePath(kind + QStringLiteral(".png"));
        QString error;
        if (kind == QLatin1String("size")) {
            QVERIFY(
                MaskFiles::save(path, LabelMask(QSize(299, 200)), ClassPalette::dubaiAerial(), {}, &error));
        } else if (kind == QLatin1String("colours")) {
            QImage image(size, QImage::Format_RGB888);
            image.fill(QColor(0x3C, 0x10, 0x98));
            image.setPixelColor(3, 4, Qt::red);
            QVERIFY(image.save(path));
        } else if (kind == QLatin1String("palette")) {
            QImage image(size, QImage::Format_Indexed8);
            image.setColorTable({qRgb(0x3C, 0x10, 0x98), qRgb(1, 2, 3)});
            image.fill(0);
            image.setPixel(10, 10, 1);
            QVERIFY(image.save(path));
        } else if (kind == QLatin1String("value")) {
            const QString tif = m_dir.filePath(QStringLiteral("value.tif"));
            test::RasterSpec spec;
            spec.width = size.width();
            spec.height = size.height();
            QVERIFY(test::writeGeoTiff(tif, spec, [](int, int x, int) { return x == 5 ? 77 : 1; }));
            const auto mask = MaskFiles::load(tif, size, ClassPalette::dubaiAerial(), &error);
            QVERIFY(!mask);
            QVERIFY2(error.contains(message), qPrintable(error));
            return;
        } else if (kind == QLatin1String("truncated")) {
            QVERIFY(MaskFiles::save(path, sampleMask(size), ClassPalette::dubaiAerial(), {}, &error));
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadWrite));
            file.resize(file.size() / 2);
        } else if (kind == QLatin1String("garbage")) {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("\x89PNG but no more");
        }
        const auto mask = MaskFiles::load(path, size, ClassPalette::dubaiAerial(), &error);
        QVERIFY(!mask);
        QVERIFY2(error.contains(message), qPrintable(error));
        QVERIFY2(kind == QLatin1String("missing") || error.contains(kind + QStringLiteral(".png")),
                 qPrintable(error));
    }

    void journalReplaysAndIgnoresATornTail() {
        const QString path =
            EditJournal::pathFor(m_dir.filePath(QStringLiteral("journals")), QStringLiteral("/data/a.tif"),
                                 QStringLiteral("/data/a-mask.png"));
        QVERIFY(path.endsWith(QStringLiteral(".journal")));
        MaskTile a;
        a.classes.fill(3);
        MaskTile b;
        b.classes[5] = 1;
        {
            EditJournal journal(path);
            journal.reset(
                {QStringLiteral("/data/a.tif"), QStringLiteral("/data/a-mask.png"), QSize(600, 600)});
            journal.appendTiles({{0, 0, TileCodec::encode(&a)}, {1, 2, TileCodec::encode(&b)}});
            journal.appendTiles({{0, 0, TileCodec::encode(&b)}});
            ClassPalette palette = ClassPalette::dubaiAerial();
            palette.setName(0, QStringLiteral("House"));
            journal.appendPalette(palette);
            journal.appendTiles({{2, 2, QByteArray()}});
            journal.waitForIdle();
            QVERIFY(journal.error().isEmpty());
        }
        QString error;
        auto contents = EditJournal::read(path, &error);
        QVERIFY2(contents, qPrintable(error));
        QCOMPARE(contents->header.size, QSize(600, 600));
        QCOMPARE(contents->records, 4);
        QCOMPARE(contents->tiles.size(), 3);
        QCOMPARE(contents->tiles[0].data, TileCodec::encode(&b)); // the last state wins
        QCOMPARE(contents->palette->find(0)->name, QStringLiteral("House"));
        QVERIFY(!contents->damagedTail);

        // A kill in the middle of the last record: the rest is still good.
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        file.resize(file.size() - 3);
        file.close();
        contents = EditJournal::read(path, &error);
        QVERIFY(contents);
        QCOMPARE(contents->records, 3);
        QVERIFY(contents->damagedTail);
        QCOMPARE(contents->tiles.size(), 2);
        // A flipped bit fails the checksum.
        QVERIFY(file.open(QIODevice::ReadWrite));
        QByteArray bytes = file.readAll();
        bytes[bytes.size() / 2] = char(bytes[bytes.size() / 2] ^ 0x10);
        file.seek(0);
        file.write(bytes);
        file.close();
        contents = EditJournal::read(path, &error);
        QVERIFY(contents);
        QVERIFY(contents->damagedTail);
        QVERIFY(contents->records < 3);
    }

private:
    static QByteArray readAll(const QString& path) {
        QFile file(path);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestMaskFiles)
#include "test_mask_files.moc"
