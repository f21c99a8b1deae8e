// The image-based tools on small generated images with known answers: the magic wand and
// GrabCut must select exactly the object's pixels.
#include "annotation/gdal_setup.h"
#include "annotation/label_document.h"
#include "annotation/mask_painter.h"
#include "annotation/raster_source.h"
#include "annotation/smart_tools.h"
#include "test_support.h"

#include <QTemporaryDir>
#include <QTest>

using namespace segstudio;

namespace {

// A disc of radius 20 centred on (50.5, 40.5): pixel centres within 20.
bool inDisc(int x, int y) {
    const double dx = x + 0.5 - 50.5;
    const double dy = y + 0.5 - 40.5;
    return dx * dx + dy * dy <= 400;
}

qint64 discPixels() {
    qint64 n = 0;
    for (int y = 0; y < 100; ++y)
        for (int x = 0; x < 120; ++x)
            n += inDisc(x, y);
    return n;
}

} // namespace

class TestSmartTools : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        initializeGdal();
        QVERIFY(m_dir.isValid());
        test::RasterSpec spec;
        spec.width = 120;
        spec.height = 100;
        spec.bands = 3;
        // Orange disc on dark ground, with a faint texture well inside any tolerance used.
        const QString disc = m_dir.filePath(QStringLiteral("disc.tif"));
        QVERIFY(test::writeGeoTiff(disc, spec, [](int band, int x, int y) {
            const int texture = (x * 7 + y * 3) % 5;
            if (inDisc(x, y))
                return double((band == 1 ? 220 : band == 2 ? 140 : 40) + texture);
            return double((band == 3 ? 70 : 30) + texture);
        }));
        QString error;
        m_disc = RasterSource::open(disc, &error);
        QVERIFY2(m_disc, qPrintable(error));
        // A horizontal ramp: value = x in every band.
        const QString ramp = m_dir.filePath(QStringLiteral("ramp.tif"));
        QVERIFY(test::writeGeoTiff(ramp, spec, [](int, int x, int) { return double(x); }));
        m_ramp = RasterSource::open(ramp, &error);
        QVERIFY2(m_ramp, qPrintable(error));
    }

    void magicWandSelectsTheDisc() {
        QString error;
        const RegionMask region = SmartTools::magicWand(*m_disc, m_disc->defaultDisplay(), QPoint(50, 40),
                                                        QRect(0, 0, 120, 100), 20, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(region.count(), discPixels());
        for (int y = 0; y < 100; ++y)
            for (int x = 0; x < 120; ++x)
                QCOMPARE(region.contains(x, y), inDisc(x, y));
        // Painted through the document: one undo step, exactly those pixels.
        LabelDocument document(LabelMask(QSize(120, 100)), ClassPalette::dubaiAerial());
        MaskPainter painter(document, QStringLiteral("Wand"));
        painter.paintRegion(region, PaintSpec{3});
        QVERIFY(painter.commit());
        QCOMPARE(document.mask().classHistogram()[3], discPixels());
    }

    void magicWandToleranceIsAgainstTheSeed_data() {
        QTest::addColumn<int>("tolerance");
        QTest::addColumn<qint64>("columns");
        QTest::newRow("0") << 0 << qint64(1);
        QTest::newRow("10") << 10 << qint64(21);
        QTest::newRow("60") << 60 << qint64(50 + 60 + 1); // clipped at x = 0 on the left
        QTest::newRow("100") << 100 << qint64(120);       // the whole width
    }
    void magicWandToleranceIsAgainstTheSeed() {
        QFETCH(int, tolerance);
        QFETCH(qint64, columns);
        // Seed at x = 50: columns 50 - t .. 50 + t, clipped to 0 .. 119. With a fixed range a
        // slow ramp cannot carry the selection further.
        QString error;
        const RegionMask region = SmartTools::magicWand(*m_ramp, m_ramp->defaultDisplay(), QPoint(50, 10),
                                                        QRect(0, 0, 120, 100), tolerance, &error);
        QCOMPARE(region.count(), columns * 100);
    }

    void magicWandStaysInItsBounds() {
        QString error;
        const RegionMask region = SmartTools::magicWand(*m_disc, m_disc->defaultDisplay(), QPoint(5, 5),
                                                        QRect(0, 0, 60, 100), 20, &error);
        qint64 expected = 0;
        for (int y = 0; y < 100; ++y)
            for (int x = 0; x < 60; ++x)
                expected += !inDisc(x, y);
        QCOMPARE(region.count(), expected);
        QVERIFY(SmartTools::magicWand(*m_disc, m_disc->defaultDisplay(), QPoint(70, 5), QRect(0, 0, 60, 100),
                                      20, &error)
                    .isEmpty());
    }

    void grabCutFindsTheDiscEdge() {
        // A rough square around the disc, 8 px too large on every side.
        const QPolygonF rough(QRectF(50.5 - 28, 40.5 - 28, 56, 56));
        QString error;
        const RegionMask region = SmartTools::grabCut(*m_disc, m_disc->defaultDisplay(), rough, 5, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        qint64 wrong = 0;
        for (int y = 0; y < 100; ++y)
            for (int x = 0; x < 120; ++x)
                wrong += region.contains(x, y) != inDisc(x, y);
        QVERIFY2(wrong == 0, qPrintable(QStringLiteral("%1 pixels differ, %2 selected of %3")
                                            .arg(wrong)
                                            .arg(region.count())
                                            .arg(discPixels())));
    }

    void grabCutRefusesWhatItCannotDo() {
        QString error;
        QVERIFY(SmartTools::grabCut(*m_disc, m_disc->defaultDisplay(), QPolygonF(), 5, &error).isEmpty());
        QVERIFY(!error.isEmpty());
        error.clear();
        // The whole image selected: no background to learn from.
        QVERIFY(SmartTools::grabCut(*m_disc, m_disc->defaultDisplay(), QPolygonF(QRectF(-5, -5, 130, 110)), 5,
                                    &error)
                    .isEmpty());
        QVERIFY2(error.contains(QStringLiteral("outside")), qPrintable(error));
    }

private:
    QTemporaryDir m_dir;
    std::shared_ptr<RasterSource> m_disc;
    std::shared_ptr<RasterSource> m_ramp;
};

QTEST_GUILESS_MAIN(TestSmartTools)
#include "test_smart_tools.moc"
