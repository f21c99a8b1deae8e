// The document layer without widgets: every tool on small masks with exact pixel counts, the
// painter's undo records, abort, undo/redo byte-identity and the byte bound of the history.
#include "annotation/label_document.h"
#include "annotation/mask_painter.h"
#include "annotation/mask_tools.h"
#include "annotation/tile_codec.h"

#include <QSignalSpy>
#include <QTest>
#include <cmath>

using namespace segstudio;

namespace {

qint64 countClass(const LabelMask& mask, int c) {
    return mask.classHistogram()[size_t(c)];
}

// The pixels whose centres lie within r of (cx, cy), counted by brute force.
qint64 discPixels(double cx, double cy, double r, QSize size) {
    qint64 n = 0;
    for (int y = 0; y < size.height(); ++y) {
        for (int x = 0; x < size.width(); ++x) {
            const double dx = x + 0.5 - cx;
            const double dy = y + 0.5 - cy;
            n += dx * dx + dy * dy <= r * r;
        }
    }
    return n;
}

PaintSpec paint(int c, PaintMode mode = PaintMode::Everything, int only = 0) {
    return PaintSpec{quint8(c), mode, quint8(only)};
}

} // namespace

class TestLabelEditing : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void newMaskIsUnlabeledAndAllocatesNothing() {
        LabelMask mask(QSize(40000, 40000));
        QCOMPARE(mask.allocatedTiles(), 0);
        QCOMPARE(mask.tilesAcross(), 157);
        QCOMPARE(mask.classAt(39999, 39999), Unlabeled);
        QVERIFY(mask.memoryBytes() < 1024 * 1024);
    }

    void brushDabCountsExactly_data() {
        QTest::addColumn<double>("diameter");
        QTest::addColumn<QPointF>("cursor");
        QTest::addColumn<qint64>("expected");
        QTest::newRow("1 px") << 1.0 << QPointF(10.3, 20.9) << qint64(1);
        QTest::newRow("2 px") << 2.0 << QPointF(10.3, 20.9) << qint64(4);
        QTest::newRow("3 px") << 3.0 << QPointF(10.3, 20.9) << qint64(9);
        QTest::newRow("5 px") << 5.0 << QPointF(30.5, 30.5) << qint64(21);
        QTest::newRow("9 px") << 9.0 << QPointF(30.5, 30.5) << qint64(69);
        QTest::newRow("40 px") << 40.0 << QPointF(32, 32) << qint64(1264);
    }
    void brushDabCountsExactly() {
        QFETCH(double, diameter);
        QFETCH(QPointF, cursor);
        QFETCH(qint64, expected);
        LabelDocument document(LabelMask(QSize(64, 64)), ClassPalette::dubaiAerial());
        MaskPainter painter(document, QStringLiteral("Brush"));
        const QPointF centre = MaskTools::snapBrushCentre(cursor, diameter);
        MaskTools::paintSegment(painter, centre, centre, diameter, paint(2));
        QVERIFY(painter.commit());
        QCOMPARE(countClass(document.mask(), 2), expected);
        QCOMPARE(expected, discPixels(centre.x(), centre.y(), diameter / 2, QSize(64, 64)));
        QCOMPARE(document.mask().provenanceHistogram()[size_t(Provenance::Edited)], expected);
    }

    void strokeIsTheSweptDisc() {
        // A horizontal stroke of a 5 px brush from x=10.5 to x=40.5: the two end discs (21 px
        // each, overlapping in nothing of the band) and a 5-row band between the centres.
        LabelDocument document(LabelMask(QSize(64, 64)), ClassPalette::dubaiAerial());
        MaskPainter painter(document, QStringLiteral("Brush"));
        MaskTools::paintSegment(painter, {10.5, 30.5}, {25.5, 30.5}, 5, paint(1));
        MaskTools::paintSegment(painter, {25.5, 30.5}, {40.5, 30.5}, 5, paint(1));
        QVERIFY(painter.commit());
        qint64 expected = 0;
        for (int y = 0; y < 64; ++y) {
            for (int x = 0; x < 64; ++x) {
                const double px = x + 0.5, py = y + 0.5;
                const double dx = px < 10.5 ? px - 10.5 : px > 40.5 ? px - 40.5 : 0;
                expected += dx * dx + (py - 30.5) * (py - 30.5) <= 6.25;
            }
        }
        QCOMPARE(countClass(document.mask(), 1), expected);
        QCOMPARE(expected, qint64(21 + 30 * 5)); // 5 rows of 30 between the centres + one disc
        QCOMPARE(document.history().count(), 1);
    }

    void diagonalStrokeHasNoGaps() {
        LabelDocument document(LabelMask(QSize(300, 300)), ClassPalette::dubaiAerial());
        MaskPainter painter(document, QStringLiteral("Brush"));
        MaskTools::paintSegment(painter, {10.5, 10.5}, {290.5, 250.5}, 3, paint(3));
        painter.commit();
        // Every pixel whose centre is within 1.5 of the segment, and no other.
        const QPointF a(10.5, 10.5), b(290.5, 250.5);
        const QPointF d = b - a;
        const double len2 = d.x() * d.x() + d.y() * d.y();
        qint64 expected = 0;
        for (int y = 0; y < 300; ++y) {
            for (int x = 0; x < 300; ++x) {
                const QPointF p(x + 0.5, y + 0.5);
                const double t = std::clamp(((p - a).x() * d.x() + (p - a).y() * d.y()) / len2, 0.0, 1.0);
                const QPointF q = a + t * d - p;
                const bool inside = q.x() * q.x() + q.y() * q.y() <= 2.25 + 1e-9;
                expected += inside;
                if (inside != (document.mask().classAt(x, y) == 3))
                    QFAIL(qPrintable(QStringLiteral("pixel %1,%2 differs").arg(x).arg(y)));
            }
        }
        QCOMPARE(countClass(document.mask(), 3), expected);
    }

    void paintModes() {
        LabelDocument document(LabelMask(QSize(64, 64)), ClassPalette::dubaiAerial());
        {
            MaskPainter painter(document, QStringLiteral("Left half"));
            MaskTools::fillPolygon(painter, QPolygonF(QRectF(0, 0, 32, 64)), paint(0));
            painter.commit();
        }
        QCOMPARE(countClass(document.mask(), 0), qint64(32 * 64));
        {
            // Over unlabeled only: the right half gets 4, the left keeps 0.
            MaskPainter painter(document, QStringLiteral("All, unlabeled only"));
            MaskTools::fillPolygon(painter, QPolygonF(QRectF(0, 0, 64, 64)),
                                   paint(4, PaintMode::OnlyUnlabeled));
            painter.commit();
        }
        QCOMPARE(countClass(document.mask(), 0), qint64(32 * 64));
        QCOMPARE(countClass(document.mask(), 4), qint64(32 * 64));
        {
            // Only over class 4: a full-width band changes only its right half.
            MaskPainter painter(document, QStringLiteral("Band over 4"));
            MaskTools::fillPolygon(painter, QPolygonF(QRectF(0, 10, 64, 10)),
                                   paint(2, PaintMode::OnlyClass, 4));
            painter.commit();
        }
        QCOMPARE(countClass(document.mask(), 2), qint64(32 * 10));
        QCOMPARE(countClass(document.mask(), 0), qint64(32 * 64));
        {
            // The eraser only over class 0.
            MaskPainter painter(document, QStringLiteral("Erase 0"));
            MaskTools::fillPolygon(painter, QPolygonF(QRectF(16, 0, 32, 64)),
                                   paint(Unlabeled, PaintMode::OnlyClass, 0));
            painter.commit();
        }
        QCOMPARE(countClass(document.mask(), 0), qint64(16 * 64));
        QCOMPARE(countClass(document.mask(), Unlabeled), qint64(16 * 64));
    }

    void polygonFillCounts_data() {
        QTest::addColumn<QPolygonF>("polygon");
        QTest::addColumn<qint64>("expected");
        QTest::newRow("rectangle on pixel edges") << QPolygonF(QRectF(10, 10, 10, 10)) << qint64(100);
        QTest::newRow("rectangle through centres") << QPolygonF(QRectF(10.5, 10.5, 10, 10)) << qint64(100);
        // Right triangle with legs of 20 on pixel edges: centres with x+y < 20 → 210 pixels.
        QTest::newRow("triangle") << QPolygonF({QPointF(0, 0), QPointF(20, 0), QPointF(0, 20)})
                                  << qint64(190);
        // A figure-eight crossing itself: non-zero winding fills both loops.
        QTest::newRow("bow tie") << QPolygonF(
                                        {QPointF(0, 0), QPointF(20, 20), QPointF(20, 0), QPointF(0, 20)})
                                 << qint64(200);
        QTest::newRow("degenerate line") << QPolygonF({QPointF(0, 0), QPointF(30, 30)}) << qint64(0);
        QTest::newRow("clipped at the border") << QPolygonF(QRectF(-10, -10, 20, 20)) << qint64(100);
    }
    void polygonFillCounts() {
        QFETCH(QPolygonF, polygon);
        QFETCH(qint64, expected);
        LabelDocument document(LabelMask(QSize(64, 64)), ClassPalette::dubaiAerial());
        MaskPainter painter(document, QStringLiteral("Polygon"));
        MaskTools::fillPolygon(painter, polygon, paint(5));
        painter.commit();
        QCOMPARE(countClass(document.mask(), 5), expected);
    }

    void floodFillsTheContiguousRegion() {
        LabelDocument document(LabelMask(QSize(100, 80)), ClassPalette::dubaiAerial());
        {
            // A closed ring of class 1 (outer 40×40, inner 20×20 hole) and a separate blob.
            MaskPainter painter(document, QStringLiteral("Setup"));
            MaskTools::fillPolygon(painter, QPolygonF(QRectF(10, 10, 40, 40)), paint(1));
            MaskTools::fillPolygon(painter, QPolygonF(QRectF(20, 20, 20, 20)), paint(Unlabeled));
            MaskTools::fillPolygon(painter, QPolygonF(QRectF(70, 10, 10, 10)), paint(1));
            painter.commit();
        }
        {
            MaskPainter painter(document, QStringLiteral("Fill the hole"));
            QVERIFY(
                MaskTools::floodFill(painter, document.mask(), {25, 25}, document.mask().rect(), paint(3)));
            painter.commit();
        }
        QCOMPARE(countClass(document.mask(), 3), qint64(400));
        {
            // The ring, not the separate blob.
            MaskPainter painter(document, QStringLiteral("Fill the ring"));
            MaskTools::floodFill(painter, document.mask(), {12, 12}, document.mask().rect(), paint(2));
            painter.commit();
        }
        QCOMPARE(countClass(document.mask(), 2), qint64(1600 - 400));
        QCOMPARE(countClass(document.mask(), 1), qint64(100));
        {
            // Outside, limited to bounds: the unlabeled background within the left 60 columns.
            MaskPainter painter(document, QStringLiteral("Fill background"));
            MaskTools::floodFill(painter, document.mask(), {0, 0}, QRect(0, 0, 60, 80), paint(4));
            painter.commit();
        }
        QCOMPARE(countClass(document.mask(), 4), qint64(60 * 80 - 1600));
    }

    void markReviewedChangesOnlyProvenanceOfLabels() {
        LabelDocument document(LabelMask(QSize(600, 300)), ClassPalette::dubaiAerial());
        {
            MaskPainter painter(document, QStringLiteral("Setup"));
            MaskTools::fillPolygon(painter, QPolygonF(QRectF(0, 0, 100, 100)), paint(1));
            MaskTools::fillPolygon(painter, QPolygonF(QRectF(500, 200, 50, 50)), paint(2));
            painter.commit();
        }
        const auto classesBefore = document.mask().classHistogram();
        {
            MaskPainter painter(document, QStringLiteral("Review region"));
            MaskTools::markReviewed(painter, document.mask(), QPolygonF(QRectF(50, 0, 300, 300)));
            QVERIFY(painter.commit());
        }
        QCOMPARE(document.mask().provenanceHistogram()[size_t(Provenance::Reviewed)], qint64(50 * 100));
        {
            MaskPainter painter(document, QStringLiteral("Review all"));
            MaskTools::markReviewed(painter, document.mask(), QPolygonF());
            QVERIFY(painter.commit());
        }
        QCOMPARE(document.mask().provenanceHistogram()[size_t(Provenance::Reviewed)],
                 qint64(100 * 100 + 2500));
        QCOMPARE(document.mask().classHistogram(), classesBefore);
        document.undo();
        QCOMPARE(document.mask().provenanceHistogram()[size_t(Provenance::Reviewed)], qint64(50 * 100));
    }

    void undoRedoAreByteIdentical() {
        LabelDocument document(LabelMask(QSize(700, 500)), ClassPalette::dubaiAerial());
        QList<LabelMask> states{document.mask()};
        for (int i = 0; i < 6; ++i) {
            MaskPainter painter(document, QStringLiteral("Stroke %1").arg(i));
            MaskTools::paintSegment(painter, {50.0 + 90 * i, 40.0}, {600.0 - 70 * i, 460.0}, 30 + 11 * i,
                                    paint(i % 5, i == 3 ? PaintMode::OnlyUnlabeled : PaintMode::Everything));
            QVERIFY(painter.commit());
            states.append(document.mask());
        }
        for (int i = 6; i > 0; --i) {
            document.undo();
            QVERIFY2(document.mask().contentEquals(states[i - 1]), qPrintable(QString::number(i)));
        }
        QCOMPARE(document.mask().allocatedTiles(), 0); // back to nothing: blank tiles are freed
        for (int i = 1; i <= 6; ++i) {
            document.redo();
            QVERIFY(document.mask().contentEquals(states[i]));
        }
    }

    void commandsHoldOnlyTouchedTilesCompressed() {
        LabelDocument document(LabelMask(QSize(4096, 4096)), ClassPalette::dubaiAerial());
        MaskPainter painter(document, QStringLiteral("Dab"));
        MaskTools::paintSegment(painter, {1000, 1000}, {1000, 1000}, 100, paint(2));
        QVERIFY(painter.commit());
        QCOMPARE(document.mask().allocatedTiles(), 4); // the dab straddles four tiles
        // Four tiles before (absent) and after (runs): far below 4 × 128 KiB.
        QVERIFY2(document.history().bytes() < 8 * 1024,
                 qPrintable(QString::number(document.history().bytes())));
    }

    void escapeRestoresAndPushesNothing() {
        LabelDocument document(LabelMask(QSize(300, 300)), ClassPalette::dubaiAerial());
        {
            MaskPainter painter(document, QStringLiteral("Kept"));
            MaskTools::paintSegment(painter, {50, 50}, {50, 50}, 20, paint(1));
            painter.commit();
        }
        const LabelMask before = document.mask();
        QSignalSpy changed(&document, &LabelDocument::changed);
        QSignalSpy edited(&document, &LabelDocument::edited);
        MaskPainter painter(document, QStringLiteral("Aborted"));
        MaskTools::paintSegment(painter, {40, 40}, {250, 250}, 40, paint(3));
        QVERIFY(countClass(document.mask(), 3) > 0);
        painter.abort();
        QVERIFY(document.mask().contentEquals(before));
        QCOMPARE(document.history().count(), 1);
        QCOMPARE(edited.count(), 0);
        QVERIFY(changed.count() >= 2); // the live dab and the restore
    }

    void unchangedEditPushesNothing() {
        LabelDocument document(LabelMask(QSize(100, 100)), ClassPalette::dubaiAerial());
        MaskPainter painter(document, QStringLiteral("Only over class 3"));
        MaskTools::paintSegment(painter, {50, 50}, {50, 50}, 40, paint(1, PaintMode::OnlyClass, 3));
        QVERIFY(!painter.commit());
        QCOMPARE(document.history().count(), 0);
        QCOMPARE(document.mask().allocatedTiles(), 0);
    }

    void signalsReportRegions() {
        LabelDocument document(LabelMask(QSize(300, 300)), ClassPalette::dubaiAerial());
        QSignalSpy changed(&document, &LabelDocument::changed);
        QSignalSpy edited(&document, &LabelDocument::edited);
        QSignalSpy stored(&document, &LabelDocument::tilesStored);
        MaskPainter painter(document, QStringLiteral("Dab"));
        MaskTools::paintSegment(painter, {100.5, 100.5}, {100.5, 100.5}, 11, paint(1));
        painter.commit();
        QCOMPARE(edited.count(), 1);
        QCOMPARE(edited.at(0).at(0).toRect(), QRect(95, 95, 11, 11));
        QCOMPARE(changed.at(0).at(0).toRect(), QRect(95, 95, 11, 11));
        QCOMPARE(stored.count(), 1);
        document.undo();
        QCOMPARE(edited.count(), 1); // undo is a change, not an edit
        QCOMPARE(changed.count(), 2);
        QCOMPARE(changed.at(1).at(0).toRect(), QRect(0, 0, 256, 256));
        QCOMPARE(stored.count(), 2);
    }

    void historyIsBoundedInBytesWithMinimumDepth() {
        LabelDocument document(LabelMask(QSize(2048, 2048)), ClassPalette::dubaiAerial());
        // Noisy strokes so each command holds real bytes.
        auto stroke = [&](int i) {
            MaskPainter painter(document, QStringLiteral("Stroke %1").arg(i));
            for (int k = 0; k < 200; ++k)
                MaskTools::paintSegment(painter, {double((k * 37 + i * 101) % 2000), double((k * 53) % 2000)},
                                        {double((k * 37 + i * 101) % 2000), double((k * 53) % 2000)}, 3,
                                        paint(k % 5));
            painter.commit();
        };
        stroke(0);
        const qint64 one = document.history().bytes();
        QVERIFY(one > 1000);
        document.history().setLimits(one * 5, 3);
        for (int i = 1; i < 20; ++i)
            stroke(i);
        // Within the bound, unless only the minimum depth is left.
        QVERIFY(document.history().bytes() <= one * 5 || document.history().count() == 3);
        QVERIFY(document.history().count() >= 3);
        QVERIFY(document.history().count() < 20);
        QVERIFY(document.history().droppedCommands() > 0);
        // The minimum depth wins over the byte bound.
        document.history().setLimits(1, 3);
        QCOMPARE(document.history().count(), 3);
        QVERIFY(document.isModified());
        QCOMPARE(document.history().cleanIndex(), -1); // the saved state is gone for good
    }

    void paletteEditsAreUndoable() {
        LabelDocument document(LabelMask(QSize(10, 10)), ClassPalette::dubaiAerial());
        QSignalSpy changed(&document, &LabelDocument::paletteChanged);
        ClassPalette palette = document.palette();
        palette.setName(2, QStringLiteral("Street"));
        palette.setColor(2, Qt::red);
        document.setPalette(palette, QStringLiteral("Rename"));
        QCOMPARE(document.palette().find(2)->name, QStringLiteral("Street"));
        document.setClassVisible(2, false);
        document.undo();
        QCOMPARE(document.palette().find(2)->name, QStringLiteral("Road"));
        QCOMPARE(document.palette().find(2)->visible, false); // visibility is not an edit
        document.redo();
        QCOMPARE(document.palette().colorOf(2), QColor(Qt::red));
        QCOMPARE(changed.count(), 4);
    }

    void predictionNeverOverwritesHumanLabels() {
        LabelDocument document(LabelMask(QSize(300, 10)), ClassPalette::dubaiAerial());
        {
            MaskPainter painter(document, QStringLiteral("Person"));
            painter.paintSpan(5, 100, 120, PaintSpec{4}); // edited
            painter.paintSpan(5, 130, 140, PaintSpec{2});
            MaskTools::markReviewed(painter, document.mask(), QPolygonF(QRectF(130, 0, 10, 10)));
            painter.commit();
        }
        std::vector<quint8> classes(300, 1);
        std::vector<quint8> confidence(300, 200);
        {
            // Across the tile border at x = 256, starting left of the image.
            MaskPainter painter(document, QStringLiteral("Prediction"));
            painter.predictSpan(5, -10, 290, classes.data(), confidence.data());
            painter.commit();
        }
        const LabelMask& mask = document.mask();
        QCOMPARE(mask.classAt(0, 5), quint8(1));
        QCOMPARE(mask.provenanceAt(0, 5), Provenance::Predicted);
        QCOMPARE(mask.confidenceAt(270, 5), quint8(200));
        QCOMPARE(mask.classAt(110, 5), quint8(4));
        QCOMPARE(mask.provenanceAt(110, 5), Provenance::Edited);
        QCOMPARE(mask.classAt(135, 5), quint8(2));
        QCOMPARE(mask.provenanceAt(135, 5), Provenance::Reviewed);
        QCOMPARE(mask.classAt(295, 5), Unlabeled); // beyond the span
        QCOMPARE(mask.provenanceHistogram()[size_t(Provenance::Predicted)], qint64(290 - 20 - 10)); // 0..289
        document.undo();
        QCOMPARE(mask.provenanceHistogram()[size_t(Provenance::Predicted)], qint64(0));
        QCOMPARE(mask.confidenceAt(270, 5), quint8(0));
    }

    void predictionsOfOneJobAreOneUndoStepAndNotEdits() {
        LabelDocument document(LabelMask(QSize(600, 300)), ClassPalette::dubaiAerial());
        {
            MaskPainter painter(document, QStringLiteral("Person"));
            painter.paintSpan(10, 0, 50, PaintSpec{4});
            painter.commit();
        }
        QSignalSpy edited(&document, &LabelDocument::edited);
        QSignalSpy changed(&document, &LabelDocument::changed);
        std::vector<quint8> classes(600, 1), confidence(600, 90);
        // Three streamed regions of one job; the second overlaps tiles the first wrote.
        for (const auto& [y0, y1] : {std::pair{0, 100}, std::pair{100, 200}, std::pair{200, 300}}) {
            MaskPainter painter(document, QStringLiteral("Segment"));
            painter.setMergeId(77);
            painter.setMachineWritten(true);
            for (int y = y0; y < y1; ++y)
                painter.predictSpan(y, 0, 600, classes.data(), confidence.data());
            QVERIFY(painter.commit());
        }
        QCOMPARE(edited.count(), 0); // a model wrote them: not a person's edit
        QCOMPARE(changed.count(), 3);
        QCOMPARE(document.history().count(), 2); // the stroke, and one "Segment"
        const LabelMask& mask = document.mask();
        QCOMPARE(mask.classAt(20, 10), quint8(4)); // the stroke survived
        QCOMPARE(mask.classAt(20, 250), quint8(1));
        document.undo();
        QCOMPARE(mask.provenanceHistogram()[size_t(Provenance::Predicted)], qint64(0));
        QCOMPARE(mask.classAt(20, 10), quint8(4));
        QCOMPARE(mask.confidenceAt(300, 150), quint8(0));
        document.redo();
        QCOMPARE(mask.provenanceHistogram()[size_t(Provenance::Predicted)], qint64(600 * 300 - 50));
        QCOMPARE(mask.confidenceAt(300, 150), quint8(90));
        std::vector<quint8> sampled(300);
        mask.sampleConfidence(1, QRect(0, 75, 300, 1), sampled.data(), 300);
        QCOMPARE(sampled[150], quint8(90));
        // Painting over a prediction makes it certain (the heat map shows it clear).
        {
            MaskPainter painter(document, QStringLiteral("Person"));
            painter.paintSpan(150, 0, 10, PaintSpec{2});
            painter.commit();
        }
        QCOMPARE(mask.confidenceAt(5, 150), quint8(255));
        // Only an explicit request lets a prediction replace a person's labels.
        {
            MaskPainter painter(document, QStringLiteral("Segment over edits"));
            painter.predictSpan(10, 0, 600, classes.data(), confidence.data(), true);
            painter.commit();
        }
        QCOMPARE(mask.classAt(20, 10), quint8(1));
        QCOMPARE(mask.provenanceAt(20, 10), Provenance::Predicted);
    }

    void tileCodecRoundTrips() {
        MaskTile tile;
        QCOMPARE(TileCodec::encode(&tile).size() < 20, true);
        for (int i = 0; i < MaskTile::Pixels; ++i) {
            tile.classes[i] = quint8((i * 7919) % 251);
            tile.provenance[i] = quint8(i / 1000 % 4);
        }
        tile.confidence.assign(MaskTile::Pixels, 200);
        bool ok = false;
        const auto decoded = TileCodec::decode(TileCodec::encode(&tile), &ok);
        QVERIFY(ok);
        QVERIFY(*decoded == tile);
        QByteArray damaged = TileCodec::encode(&tile);
        damaged.chop(3);
        QVERIFY(!TileCodec::decode(damaged, &ok));
        QVERIFY(!ok);
        QVERIFY(!TileCodec::decode(QByteArray(), &ok));
        QVERIFY(ok);
    }

    void paletteJsonRoundTripsAndRejectsBadInput() {
        ClassPalette palette = ClassPalette::dubaiAerial();
        palette.addClass(QStringLiteral("Boats"), QColor(1, 2, 3));
        palette.setVisible(1, false);
        QString error;
        const auto back = ClassPalette::fromJson(palette.toJson(), &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(*back, palette);
        QVERIFY(!ClassPalette::fromJson(
            "{\"classes\":[{\"id\":3,\"color\":\"#ff0000\"},{\"id\":3,\"color\":\"#00ff00\"}]}", &error));
        QVERIFY(error.contains(QStringLiteral("twice")));
        QVERIFY(!ClassPalette::fromJson("{\"classes\":[{\"id\":255,\"color\":\"#ff0000\"}]}", &error));
        QVERIFY(!ClassPalette::fromJson("not json", &error));
    }
};

QTEST_GUILESS_MAIN(TestLabelEditing)
#include "test_label_editing.moc"
