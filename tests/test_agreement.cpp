// How a mask agrees with a comparison, without widgets: the tile-by-tile tracker against a count
// by brute force over every pixel (whole image, rectangles cutting tiles, after edits, which it
// follows by reading only the tiles that changed), areas per row against ClassAreas in a
// geographic CRS, and the comparison brush's pixels.
#include "annotation/agreement_tracker.h"
#include "annotation/class_areas.h"
#include "annotation/label_document.h"
#include "annotation/mask_painter.h"
#include "annotation/mask_tools.h"
#include "annotation/tile_store.h"

#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <cpl_conv.h>
#include <ogr_srs_api.h>

using namespace segstudio;

namespace {

constexpr int Classes = 5;

// Blocks of random classes 0-4, some unlabeled, some value 9 (beyond the class list): every
// case the counts must skip. Edge tiles are partial (700 × 600).
LabelMask randomMask(quint32 seed, QSize size = QSize(700, 600)) {
    QRandomGenerator random(seed);
    LabelDocument document(LabelMask(size), ClassPalette::dubaiAerial());
    MaskPainter painter(document, QStringLiteral("fixture"));
    for (int y = 0; y < size.height(); y += 10)
        for (int x = 0; x < size.width(); x += 14) {
            const int roll = int(random.bounded(12));
            const quint8 value = roll < 10 ? quint8(roll % Classes) : roll == 10 ? Unlabeled : quint8(9);
            for (int row = y; row < y + 10; ++row)
                painter.paintSpan(row, x, x + 14, PaintSpec{value});
        }
    painter.commit();
    return document.mask();
}

struct Counted {
    std::vector<qint64> counts = std::vector<qint64>(Classes * Classes, 0);
    std::vector<double> referenceM2 = std::vector<double>(Classes, 0);
    qint64 differing = 0;
};

Counted countByHand(const LabelMask& mask, const LabelMask& comparison, const QRect& area,
                    const std::vector<double>& rowAreas = {}) {
    Counted counted;
    for (int y = area.top(); y <= area.bottom(); ++y)
        for (int x = area.left(); x <= area.right(); ++x) {
            const int predicted = mask.classAt(x, y), reference = comparison.classAt(x, y);
            if (predicted >= Classes || reference >= Classes)
                continue;
            ++counted.counts[size_t(reference * Classes + predicted)];
            counted.differing += predicted != reference;
            if (!rowAreas.empty())
                counted.referenceM2[size_t(reference)] += rowAreas[size_t(y)];
        }
    return counted;
}

void compareWithHand(const MaskAgreement& agreement, const Counted& counted) {
    QCOMPARE(agreement.counts, counted.counts);
    qint64 differing = 0;
    for (const MaskAgreement::Tile& tile : agreement.tiles)
        differing += tile.differing;
    QCOMPARE(differing, counted.differing);
}

} // namespace

class TestAgreement : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void wholeImageAndRectanglesEqualABruteForceCount() {
        const LabelMask mask = randomMask(1), comparison = randomMask(2);
        AgreementTracker tracker(Classes);
        QCOMPARE(tracker.update(mask, comparison), 3 * 3); // every tile read once
        compareWithHand(tracker.in(), countByHand(mask, comparison, mask.rect()));
        // Rectangles that cut tiles on every side, one inside a single tile, one past the image.
        for (const QRect area :
             {QRect(100, 130, 400, 300), QRect(260, 270, 30, 20), QRect(600, 500, 400, 400)}) {
            const MaskAgreement agreement = tracker.in(area, mask, comparison);
            compareWithHand(agreement, countByHand(mask, comparison, area & mask.rect()));
            QVERIFY(!agreement.hasAreas());
        }
        QCOMPARE(tracker.update(mask, comparison), 0); // nothing changed, nothing read
        // The old one-shot function gives the same figures.
        QCOMPARE(MaskAgreement::of(mask, comparison, Classes).counts, tracker.in().counts);
    }

    void afterAnEditOnlyTheChangedTilesAreRead() {
        LabelDocument document(randomMask(3), ClassPalette::dubaiAerial());
        const LabelMask comparison = randomMask(4);
        AgreementTracker tracker(Classes);
        tracker.update(document.mask(), comparison);
        MaskPainter painter(document, QStringLiteral("edit"));
        for (int y = 300; y < 330; ++y) // across the border of tiles (1, 1) and (2, 1)
            painter.paintSpan(y, 500, 540, PaintSpec{quint8(2)});
        painter.commit();
        QCOMPARE(tracker.update(document.mask(), comparison), 2);
        compareWithHand(tracker.in(), countByHand(document.mask(), comparison, document.mask().rect()));
        compareWithHand(tracker.in(QRect(450, 250, 100, 100), document.mask(), comparison),
                        countByHand(document.mask(), comparison, QRect(450, 250, 100, 100)));
        document.history().undo();
        QCOMPARE(tracker.update(document.mask(), comparison), 2);
        compareWithHand(tracker.in(), countByHand(document.mask(), comparison, document.mask().rect()));
    }

    // The predictions of a huge image live in a TileStore, out of memory: the tracker reads them
    // back once, counts them right, and neither reads them again nor keeps them in memory.
    void tilesOnlyInAStoreAreReadOnce() {
        // More tiles than LabelMask keeps read back per thread (16), 6 × 5.
        const QSize size(1400, 1200);
        LabelMask mask = randomMask(7, size);
        const LabelMask comparison = randomMask(8, size);
        const Counted expected = countByHand(mask, comparison, mask.rect());
        QTemporaryDir folder;
        QString error;
        auto store = TileStore::open(folder.path(), &error);
        QVERIFY2(store, qPrintable(error));
        for (int ty = 0; ty < mask.tilesDown(); ++ty)
            for (int tx = 0; tx < mask.tilesAcross(); ++tx)
                mask.setTile(tx, ty, mask.tile(tx, ty), store->put(mask.tile(tx, ty)));
        store->waitForIdle();
        for (int ty = 0; ty < mask.tilesDown(); ++ty)
            for (int tx = 0; tx < mask.tilesAcross(); ++tx)
                QVERIFY(mask.releaseTile(tx, ty));
        QCOMPARE(mask.storedOnlyTiles(), 6 * 5);
        AgreementTracker tracker(Classes);
        QCOMPARE(tracker.update(mask, comparison), 6 * 5);
        compareWithHand(tracker.in(), expected);
        QCOMPARE(tracker.update(mask, comparison), 0); // read back afresh each time, yet the same
        // Back into memory unchanged (as viewing does): the same tile, nothing to read again.
        for (int ty = 0; ty < mask.tilesDown(); ++ty)
            for (int tx = 0; tx < mask.tilesAcross(); ++tx)
                mask.setTile(tx, ty, mask.tile(tx, ty), mask.storedTile(tx, ty));
        QCOMPARE(tracker.update(mask, comparison), 0);
        mask.mutableTile(1, 1).classes[0] = 0; // a change drops the stored copy: read again
        QCOMPARE(tracker.update(mask, comparison), 1);
        compareWithHand(tracker.in(), countByHand(mask, comparison, mask.rect()));
    }

    // Per-row areas in a geographic CRS: each class's area equals ClassAreas' geodesic figure for
    // the comparison mask, and any rectangle equals its rows' areas summed by hand.
    void areasFollowEachRowInAGeographicCrs() {
        const LabelMask mask = randomMask(5), comparison = randomMask(6);
        const std::array<double, 6> transform{55.0, 0.001, 0, 60.0, 0, -0.001}; // high latitude
        OGRSpatialReferenceH wgs84 = OSRNewSpatialReference(nullptr);
        OSRImportFromEPSG(wgs84, 4326);
        char* wkt = nullptr;
        OSRExportToWkt(wgs84, &wkt);
        const QString crsWkt = QString::fromUtf8(wkt);
        CPLFree(wkt);
        OSRDestroySpatialReference(wgs84);
        AreaCounter counter;
        QString error;
        QVERIFY2(counter.start(transform, crsWkt, true, &error), qPrintable(error));
        std::vector<double> rows(size_t(mask.height()));
        for (int y = 0; y < mask.height(); ++y)
            rows[size_t(y)] = counter.pixelAreaOfRow(y);
        QVERIFY(rows.front() < rows.back()); // pixels grow towards the equator (south)

        AgreementTracker tracker(Classes, rows);
        tracker.update(mask, comparison);
        const MaskAgreement whole = tracker.in();
        QVERIFY(whole.hasAreas());
        // Only pixels labelled in both count, so measure the comparison where the mask is labelled.
        LabelDocument compared(comparison, ClassPalette::dubaiAerial());
        MaskPainter painter(compared, QStringLiteral("only compared pixels"));
        for (int y = 0; y < mask.height(); ++y)
            for (int x = 0; x < mask.width(); ++x)
                if (mask.classAt(x, y) >= Classes || comparison.classAt(x, y) >= Classes)
                    painter.paintSpan(y, x, x + 1, PaintSpec{Unlabeled});
        painter.commit();
        AreaReport report;
        QVERIFY2(ClassAreas::measureMask(compared.mask(), ClassPalette::dubaiAerial(), transform, crsWkt,
                                         true, report, &error),
                 qPrintable(error));
        for (const ClassArea& c : report.classes)
            if (c.id < Classes)
                QVERIFY2(std::abs(whole.referenceM2[size_t(c.id)] - c.areaM2) <= 1e-6 * c.areaM2,
                         qPrintable(QStringLiteral("class %1: %2 vs %3")
                                        .arg(c.id)
                                        .arg(whole.referenceM2[size_t(c.id)])
                                        .arg(c.areaM2)));
        const QRect area(120, 80, 333, 444);
        const Counted counted = countByHand(mask, comparison, area, rows);
        const MaskAgreement part = tracker.in(area, mask, comparison);
        for (int c = 0; c < Classes; ++c)
            QVERIFY(std::abs(part.referenceM2[size_t(c)] - counted.referenceM2[size_t(c)]) <=
                    1e-9 * counted.referenceM2[size_t(c)] + 1e-9);
    }

    void comparisonBrushCopiesExactlyTheDisc() {
        LabelDocument document(LabelMask(QSize(300, 300)), ClassPalette::dubaiAerial());
        const LabelMask source = randomMask(7);
        LabelMask bigger(QSize(300, 300));
        for (int ty = 0; ty < 2; ++ty)
            for (int tx = 0; tx < 2; ++tx)
                bigger.setTile(tx, ty, source.tile(tx, ty)); // the same pixels at 300²
        MaskPainter painter(document, QStringLiteral("take"));
        const QPointF centre(255.5, 100.5); // a disc across the border of two tiles
        MaskTools::copySegment(painter, centre, centre, 21, bigger);
        QVERIFY(painter.commit());
        qint64 inside = 0;
        for (int y = 0; y < 300; ++y)
            for (int x = 0; x < 300; ++x) {
                const double dx = x + 0.5 - centre.x(), dy = y + 0.5 - centre.y();
                const bool in = dx * dx + dy * dy <= 10.5 * 10.5;
                inside += in;
                QCOMPARE(document.mask().classAt(x, y), in ? bigger.classAt(x, y) : Unlabeled);
                if (in && bigger.classAt(x, y) != Unlabeled)
                    QCOMPARE(document.mask().provenanceAt(x, y), Provenance::Edited);
            }
        QVERIFY(inside > 300);
        QCOMPARE(document.history().count(), 1);
    }
};

QTEST_GUILESS_MAIN(TestAgreement)
#include "test_agreement.moc"
