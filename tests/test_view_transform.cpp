// ViewTransform: the arithmetic behind zoom, pan and the choice of pyramid level.
#include "ui/view_transform.h"

#include <QTest>

using segstudio::ViewTransform;

class TestViewTransform : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void mappingIsInvertible() {
        const ViewTransform view(QSizeF(800, 600), QPointF(1000, 500), 0.37);
        for (const QPointF p : {QPointF(0, 0), QPointF(123.5, 77.25), QPointF(800, 600)}) {
            const QPointF back = view.imageToWidget(view.widgetToImage(p));
            QVERIFY(std::abs(back.x() - p.x()) < 1e-9 && std::abs(back.y() - p.y()) < 1e-9);
        }
        QCOMPARE(view.widgetToImage(QPointF(400, 300)), QPointF(1000, 500));
    }

    void zoomKeepsTheAnchorFixed() {
        const ViewTransform view(QSizeF(800, 600), QPointF(1000, 500), 1.0);
        const QPointF anchor(100, 450);
        const QPointF before = view.widgetToImage(anchor);
        const ViewTransform zoomed = view.zoomedAround(anchor, 2.0, 0.01, 64);
        QCOMPARE(zoomed.scale(), 2.0);
        const QPointF after = zoomed.widgetToImage(anchor);
        QVERIFY(std::abs(after.x() - before.x()) < 1e-9 && std::abs(after.y() - before.y()) < 1e-9);
        QCOMPARE(view.zoomedAround(anchor, 1000, 0.01, 64).scale(), 64.0); // clamped
    }

    void levelFollowsZoom_data() {
        QTest::addColumn<double>("scale");
        QTest::addColumn<int>("level");
        QTest::newRow("zoomed in") << 4.0 << 0;
        QTest::newRow("1:1") << 1.0 << 0;
        QTest::newRow("just under 1:1") << 0.99 << 0;
        QTest::newRow("1:2") << 0.5 << 1;
        QTest::newRow("1:3") << 0.334 << 1;
        QTest::newRow("1:4") << 0.25 << 2;
        QTest::newRow("tiny") << 1e-6 << 7; // clamped to the coarsest level
    }

    void levelFollowsZoom() {
        QFETCH(double, scale);
        QFETCH(int, level);
        QCOMPARE(ViewTransform(QSizeF(800, 600), QPointF(), scale).levelFor(8), level);
    }

    void fitShowsTheWholeImage() {
        const ViewTransform view = ViewTransform::fit(QSizeF(800, 600), QSizeF(40000, 20000));
        QCOMPARE(view.scale(), 0.02);
        const QRectF visible = view.visibleImageRect();
        QVERIFY(visible.contains(QRectF(0, 0, 40000, 20000)));
        QCOMPARE(visible.width(), 40000.0);
    }

    void panMovesByWidgetPixels() {
        const ViewTransform view(QSizeF(800, 600), QPointF(1000, 500), 0.5);
        const ViewTransform moved = view.panned(QPointF(50, -20));
        QCOMPARE(moved.center(), QPointF(900, 540));
    }
};

QTEST_APPLESS_MAIN(TestViewTransform)
#include "test_view_transform.moc"
