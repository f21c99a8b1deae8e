// TileCache: the byte bound under a long pan over a real GeoTIFF, no tile decoded twice at once,
// out-of-view requests dropped, and loads in the order asked (the canvas asks centre first).
#include "annotation/gdal_setup.h"
#include "annotation/raster_source.h"
#include "annotation/tile_cache.h"
#include "test_support.h"

#include <QMutex>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace segstudio;

namespace {

// A loader that blocks until the test lets it go, and records what it was asked for.
struct GatedLoader {
    QSemaphore gate;
    QMutex mutex;
    QList<TileKey> calls;

    TileLoader loader() {
        return [this](const TileKey& key, QString*) {
            {
                QMutexLocker lock(&mutex);
                calls.append(key);
            }
            gate.acquire();
            QImage image(256, 256, QImage::Format_ARGB32_Premultiplied);
            image.fill(Qt::white);
            return image;
        };
    }
    int callCount() {
        QMutexLocker lock(&mutex);
        return int(calls.size());
    }
};

TileKey key(int x, int y = 0) {
    return TileKey{1, 1, 0, x, y};
}

} // namespace

class TestTileCache : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { initializeGdal(); }

    void keepsByteBoundWhilePanningALargeRaster() {
        QTemporaryDir dir;
        test::RasterSpec spec;
        spec.width = 8192;
        spec.height = 8192;
        const QString path = dir.filePath(QStringLiteral("large.tif"));
        QVERIFY(test::writeGeoTiff(path, spec, [](int, int x, int y) { return (x / 64 + y / 64) % 200; }));
        QString error;
        const auto source = RasterSource::open(path, &error);
        QVERIFY2(source, qPrintable(error));

        const qint64 bound = 24 * 256 * 256 * 4; // 24 tiles
        TileCache cache(bound, 2);
        const TileLoader loader = [source](const TileKey& k, QString* e) {
            return source->renderTile(k.level, k.x, k.y, source->defaultDisplay(), e);
        };
        QSignalSpy ready(&cache, &TileCache::tileReady);
        // Pan a 4×3-tile viewport across the whole level-0 grid (32×32 tiles), row by row.
        int requested = 0;
        for (int row = 0; row + 3 <= 32; row += 3) {
            for (int column = 0; column + 4 <= 32; column += 2) {
                QList<TileKey> view;
                for (int y = row; y < row + 3; ++y)
                    for (int x = column; x < column + 4; ++x)
                        view.append(TileKey{source->id(), 0, 0, x, y});
                cache.request(view, loader);
                ++requested;
                QTRY_VERIFY(cache.pendingCount() == 0 && cache.inFlightCount() == 0);
                QVERIFY2(cache.cachedBytes() <= bound, qPrintable(QString::number(cache.cachedBytes())));
                for (const TileKey& k : view)
                    QVERIFY(cache.contains(k)); // the view's own tiles are never evicted for it
            }
        }
        QVERIFY(requested > 100);
        QCOMPARE(cache.cachedBytes(), bound); // the cache is full, and no fuller
        QVERIFY(cache.loadsStarted() >= 30 * 30);
    }

    void neverDecodesATileTwiceAtOnce() {
        GatedLoader gated;
        TileCache cache(64 << 20, 1);
        cache.request({key(0), key(1), key(2)}, gated.loader());
        QTRY_COMPARE(gated.callCount(), 1); // key 0 is being decoded
        cache.request({key(0), key(1), key(2)}, gated.loader());
        cache.request({key(2), key(0), key(1)}, gated.loader());
        gated.gate.release(100);
        QTRY_VERIFY(cache.contains(key(0)) && cache.contains(key(1)) && cache.contains(key(2)));
        QCOMPARE(gated.callCount(), 3);
        // Cached tiles are not decoded again either.
        cache.request({key(0), key(1), key(2)}, gated.loader());
        QCOMPARE(cache.pendingCount(), 0);
        QCOMPARE(gated.callCount(), 3);
    }

    void dropsRequestsThatLeftTheView() {
        GatedLoader gated;
        TileCache cache(64 << 20, 1);
        cache.request({key(0), key(1), key(2), key(3)}, gated.loader());
        QTRY_COMPARE(gated.callCount(), 1);
        cache.request({key(7)}, gated.loader()); // the user panned away
        QCOMPARE(cache.loadsDropped(), 3);
        gated.gate.release(100);
        QTRY_VERIFY(cache.contains(key(7)));
        cache.waitForIdle();
        QCOMPARE(gated.calls, (QList<TileKey>{key(0), key(7)}));
        QVERIFY(!cache.contains(key(1)));
    }

    void loadsInTheOrderAsked() {
        GatedLoader gated;
        TileCache cache(64 << 20, 1);
        QSignalSpy ready(&cache, &TileCache::tileReady);
        const QList<TileKey> order{key(5), key(2), key(9), key(1)};
        cache.request(order, gated.loader());
        gated.gate.release(100);
        QTRY_COMPARE(ready.count(), 4);
        QCOMPARE(gated.calls, order);
        for (int i = 0; i < 4; ++i)
            QCOMPARE(ready.at(i).at(0).value<TileKey>(), order[i]);
    }

    void failedTilesAreReportedOnce() {
        TileCache cache(64 << 20, 1);
        QSignalSpy failed(&cache, &TileCache::tileFailed);
        int calls = 0;
        const TileLoader broken = [&calls](const TileKey&, QString* error) {
            ++calls;
            *error = QStringLiteral("read error");
            return QImage();
        };
        cache.request({key(0)}, broken);
        QTRY_COMPARE(failed.count(), 1);
        QCOMPARE(failed.at(0).at(1).toString(), QStringLiteral("read error"));
        QVERIFY(cache.hasFailed(key(0)));
        cache.request({key(0)}, broken); // not retried on every repaint
        cache.waitForIdle();
        QCOMPARE(calls, 1);
    }
};

QTEST_GUILESS_MAIN(TestTileCache)
#include "test_tile_cache.moc"
