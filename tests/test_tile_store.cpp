// The document's scratch tile store: predicted tiles leave memory for a file and come back
// unchanged, the undo step of a prediction refers to them there instead of copying them, the
// journal does not log predictions, and a store that cannot be written loses nothing.
#include "annotation/label_document.h"
#include "annotation/mask_painter.h"
#include "annotation/prepared_edit.h"
#include "annotation/region_mask.h"
#include "annotation/tile_store.h"

#include <QFile>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>
#include <sys/resource.h>

using namespace segstudio;

namespace {

constexpr int Width = 2048 + 100; // 9 × 4 tiles, the last column and row partial
constexpr int Height = 1024 - 30;

quint8 classOf(int x, int y) {
    return quint8(((x / 37) + (y / 53)) % 6); // regions crossing tile borders
}
quint8 confidenceOf(int x, int y) {
    return quint8(1 + (x * 7 + y * 13) % 255); // noise: the plane does not compress
}

// One segmentation job written as three streamed regions, as the window's controller does.
void predictWholeMask(LabelDocument& document, int mergeId, int shift = 0) {
    std::vector<quint8> classes(Width), confidence(Width);
    for (const auto& [y0, y1] : {std::pair{0, 300}, std::pair{300, 700}, std::pair{700, Height}}) {
        MaskPainter painter(document, QStringLiteral("Segment"));
        painter.setMergeId(mergeId);
        painter.setMachineWritten(true);
        for (int y = y0; y < y1; ++y) {
            for (int x = 0; x < Width; ++x) {
                classes[size_t(x)] = classOf(x + shift, y);
                confidence[size_t(x)] = confidenceOf(x, y);
            }
            painter.predictSpan(y, 0, Width, classes.data(), confidence.data());
        }
        painter.commit();
    }
}

} // namespace

class TestTileStore : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void predictedTilesLeaveMemoryAndComeBackUnchanged() {
        QTemporaryDir folder;
        LabelDocument document(LabelMask(QSize(Width, Height)), ClassPalette::dubaiAerial());
        document.setTileStoreFolder(folder.path());
        QSignalSpy journaled(&document, &LabelDocument::tilesStored);
        predictWholeMask(document, 5);
        const LabelMask& mask = document.mask();
        const LabelMask reference = mask; // shares the tiles: what the pixels must stay
        QCOMPARE(document.history().count(), 1);
        QCOMPARE(journaled.count(), 0); // predictions are not journaled
        // The undo step refers to the stored tiles: no copy of 36 noisy confidence planes.
        QVERIFY2(document.history().bytes() < 36 * 4096,
                 qPrintable(QString::number(document.history().bytes())));
        for (int ty = 0; ty < mask.tilesDown(); ++ty)
            for (int tx = 0; tx < mask.tilesAcross(); ++tx)
                QVERIFY(mask.storedTile(tx, ty));
        // No folder file by any name: a crash leaves nothing behind.
        QCOMPARE(QDir(folder.path()).entryList(QDir::Files | QDir::Hidden).size(), 0);

        const qint64 before = mask.memoryBytes();
        const qint64 fourTiles = 4 * qint64(sizeof(MaskTile) + MaskTile::Pixels);
        document.setMemoryBudget(40 * fourTiles);
        QCOMPARE(document.releaseTiles(QPointF(0, 0)), 0); // within budget
        document.setMemoryBudget(fourTiles);
        const int released = document.releaseTiles(QPointF(0, 0));
        QCOMPARE(released, 36 - 3); // down to 3/4 of four tiles
        QCOMPARE(mask.storedOnlyTiles(), 33);
        QVERIFY(mask.isInMemory(0, 0));  // nearest the focus
        QVERIFY(!mask.isInMemory(8, 3)); // the farthest
        document.tileStore()->waitForIdle();
        QVERIFY(document.tileStore()->error().isEmpty());
        QVERIFY(document.tileStore()->fileBytes() > 33 * MaskTile::Pixels);
        QVERIFY2(mask.memoryBytes() < before / 8, qPrintable(QString::number(mask.memoryBytes())));

        // Read back from the file: every pixel, provenance and confidence as predicted.
        QVERIFY(mask.contentEquals(reference));
        QCOMPARE(mask.classAt(2100, 990), classOf(2100, 990));
        QCOMPARE(mask.confidenceAt(2100, 990), confidenceOf(2100, 990));
        QVERIFY(mask.tileHolds(8, 3, Provenance::Predicted));
        QVERIFY(!mask.tileHolds(8, 3, Provenance::Edited));
        // The view's samples: from the in-memory summary at 1:8 and below, from the file above.
        for (int level : {0, 2, 3, 5}) {
            const QRect levelRect(0, 0, (Width >> level) + 1, (Height >> level) + 1);
            std::vector<quint8> ours(size_t(levelRect.width() * levelRect.height()));
            std::vector<quint8> theirs(ours.size());
            mask.sampleClasses(level, levelRect, ours.data(), levelRect.width());
            reference.sampleClasses(level, levelRect, theirs.data(), levelRect.width());
            QVERIFY2(ours == theirs, qPrintable(QStringLiteral("classes at level %1").arg(level)));
            mask.sampleConfidence(level, levelRect, ours.data(), levelRect.width());
            reference.sampleConfidence(level, levelRect, theirs.data(), levelRect.width());
            QVERIFY2(ours == theirs, qPrintable(QStringLiteral("confidence at level %1").arg(level)));
        }

        // A person paints on a tile that was out of memory: it comes back and stays.
        QVERIFY(!mask.isInMemory(8, 3));
        {
            MaskPainter painter(document, QStringLiteral("Person"));
            painter.paintSpan(900, 2060, 2090, PaintSpec{3});
            QVERIFY(painter.commit());
        }
        QCOMPARE(mask.classAt(2070, 900), quint8(3));
        QCOMPARE(mask.provenanceAt(2070, 900), Provenance::Edited);
        QVERIFY(mask.isInMemory(8, 3));
        QVERIFY(!mask.storedTile(8, 3)); // differs from the store now
        document.setMemoryBudget(0);
        document.releaseTiles(QPointF(0, 0));
        QVERIFY(mask.isInMemory(8, 3)); // a person's edit never leaves memory
        QCOMPARE(mask.classAt(2071, 900), quint8(3));

        // Undo the edit, then the prediction, and redo it: the stored states go back in place.
        document.undo();
        QVERIFY(mask.contentEquals(reference));
        document.undo();
        QCOMPARE(mask.allocatedTiles(), 0);
        document.redo();
        QVERIFY(mask.contentEquals(reference));
        QCOMPARE(mask.storedOnlyTiles(), 36);
        QCOMPARE(journaled.count(), 2); // the edit and its undo; not the prediction's undo and redo
        // Segmenting again (after learning): the states before are the stored ones, not copies.
        const qint64 oneJob = document.history().bytes();
        predictWholeMask(document, 9, 5);
        QCOMPARE(document.mask().classAt(100, 100), classOf(105, 100));
        QCOMPARE(document.history().count(), 2);
        QVERIFY2(document.history().bytes() < 3 * oneJob,
                 qPrintable(QStringLiteral("%1 after %2").arg(document.history().bytes()).arg(oneJob)));
    }

    void anEditFromASnapshotAppliesOverStoredTiles() {
        QTemporaryDir folder;
        LabelDocument document(LabelMask(QSize(Width, Height)), ClassPalette::dubaiAerial());
        document.setTileStoreFolder(folder.path());
        predictWholeMask(document, 6);
        document.setMemoryBudget(0);
        document.releaseTiles(QPointF(0, 0));
        QCOMPARE(document.mask().storedOnlyTiles(), 36);
        RegionMask region;
        region.bounds = QRect(500, 100, 600, 400);
        region.bits.assign(size_t(600 * 400), 1);
        // Computed on a snapshot (as a flood fill on a worker); the tiles read back there are
        // other copies, yet the document knows they did not change.
        const LabelMask snapshot = document.mask();
        const PreparedEdit edit = PreparedEdit::paint(snapshot, region, PaintSpec{2});
        QVERIFY(document.applyPrepared(edit, QStringLiteral("Fill")));
        QCOMPARE(document.mask().classAt(700, 300), quint8(2));
        QCOMPARE(document.mask().classAt(1200, 300), classOf(1200, 300));
        // One computed before a change of its tiles is refused.
        const LabelMask older = document.mask();
        const PreparedEdit late = PreparedEdit::paint(older, region, PaintSpec{4});
        {
            MaskPainter painter(document, QStringLiteral("Person"));
            painter.paintSpan(200, 600, 700, PaintSpec{1});
            painter.commit();
        }
        QVERIFY(!document.applyPrepared(late, QStringLiteral("Fill")));
        QCOMPARE(document.mask().classAt(650, 200), quint8(1));
    }

    void aStoreThatCannotBeMadeOrWrittenLosesNothing() {
        // The folder is a file: no store, and everything stays in memory as before.
        QTemporaryDir folder;
        QFile blocker(folder.filePath(QStringLiteral("not-a-folder")));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        {
            LabelDocument document(LabelMask(QSize(Width, Height)), ClassPalette::dubaiAerial());
            document.setTileStoreFolder(blocker.fileName());
            predictWholeMask(document, 7);
            QVERIFY(!document.tileStore());
            document.setMemoryBudget(0);
            QCOMPARE(document.releaseTiles(QPointF()), 0);
            QCOMPARE(document.mask().classAt(2100, 990), classOf(2100, 990));
            document.undo();
            QCOMPARE(document.mask().allocatedTiles(), 0);
            document.redo();
            QCOMPARE(document.mask().confidenceAt(2100, 990), confidenceOf(2100, 990));
        }
        // Writes fail part way (a file-size limit stands in for a full disk): the tiles not
        // written stay in memory, and every pixel is still there.
        std::signal(SIGXFSZ, SIG_IGN);
        rlimit old{};
        QCOMPARE(getrlimit(RLIMIT_FSIZE, &old), 0);
        // Put back however this test ends: the limit is the whole process's.
        const auto restore = qScopeGuard([old] { setrlimit(RLIMIT_FSIZE, &old); });
        rlimit small = old;
        small.rlim_cur = 200 * 1024;
        QCOMPARE(setrlimit(RLIMIT_FSIZE, &small), 0);
        LabelDocument document(LabelMask(QSize(Width, Height)), ClassPalette::dubaiAerial());
        document.setTileStoreFolder(folder.filePath(QStringLiteral("store")));
        predictWholeMask(document, 8);
        const LabelMask reference = document.mask();
        document.setMemoryBudget(0);
        document.releaseTiles(QPointF(0, 0));
        document.tileStore()->waitForIdle();
        QCOMPARE(setrlimit(RLIMIT_FSIZE, &old), 0);
        QVERIFY(!document.tileStore()->error().isEmpty());
        QVERIFY(document.mask().contentEquals(reference));
        QVERIFY(document.mask().memoryBytes() > 30 * qint64(sizeof(MaskTile)));
    }
};

QTEST_GUILESS_MAIN(TestTileStore)
#include "test_tile_store.moc"
