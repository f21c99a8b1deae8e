// segstudio-viewbench: opens a raster in the real MapCanvas (offscreen platform by default),
// pans and zooms through a fixed script, and prints one JSON line:
//   first_frame_ms   open → first frame with every visible tile present
//   paint_ms_median / paint_ms_p95   duration of each canvas repaint during the script
//   peak_rss_mb      peak resident memory of the process
// `--generate WxH` first writes a synthetic tiled, JPEG-compressed GeoTIFF with overviews to
// --raster if that file does not exist yet. `--compare` lays a label overlay with a comparison
// mask over the image (tiles of a few patterns, shared, so a 40 000² mask costs kilobytes), runs
// the script in the swipe view and adds timed phases that drag the divider across and toggle
// between mask and comparison, at 1:1 and at fit: swipe_1to1_ms_p95, swipe_fit_ms_p95,
// toggle_1to1_ms_p95, toggle_fit_ms_p95 and their medians (every repaint of those phases, first
// renders of newly shown overlay tiles included). `--hide-overlay` runs the same with the overlay
// hidden: the canvas's own share of those figures. `--mask FILE` and `--compare-with FILE` read
// the mask and the comparison from files as the window does (MaskFiles::loadWithin: out of memory
// beyond `--budget-mb`), and add load_mask_ms, load_comparison_ms, the Metrics dock's
// computation over the whole pair (metrics_ms, its miou and pixel_accuracy) and again after a
// one-tile edit (metrics_after_edit_ms, tiles_reread).
#include "annotation/agreement_tracker.h"
#include "annotation/class_palette.h"
#include "annotation/gdal_setup.h"
#include "annotation/label_document.h"
#include "annotation/mask_files.h"
#include "annotation/mask_painter.h"
#include "annotation/raster_source.h"
#include "ui/map_canvas.h"
#include "ui/mask_overlay.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <cpl_string.h>
#include <cstdio>
#include <gdal.h>
#include <ogr_srs_api.h>
#include <sys/resource.h>
#include <vector>

using namespace segstudio;

namespace {

bool generateRaster(const QString& path, int width, int height) {
    char** options = nullptr;
    options = CSLSetNameValue(options, "TILED", "YES");
    options = CSLSetNameValue(options, "COMPRESS", "JPEG");
    options = CSLSetNameValue(options, "PHOTOMETRIC", "YCBCR");
    options = CSLSetNameValue(options, "BIGTIFF", "IF_SAFER");
    GDALDatasetH dataset = GDALCreate(GDALGetDriverByName("GTiff"), path.toUtf8().constData(), width, height,
                                      3, GDT_Byte, options);
    CSLDestroy(options);
    if (!dataset)
        return false;
    double transform[6] = {500000, 0.3, 0, 2800000, 0, -0.3};
    GDALSetGeoTransform(dataset, transform);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
    OSRImportFromEPSG(srs, 32640);
    GDALSetSpatialRef(dataset, srs);
    OSRDestroySpatialReference(srs);

    // Smooth large-scale structure plus fine texture, so that every zoom level shows something.
    std::vector<float> columnWave(width);
    for (int x = 0; x < width; ++x)
        columnWave[x] = std::sin(x / 700.0f);
    const int rows = 256;
    std::vector<unsigned char> buffer(size_t(width) * rows * 3);
    bool ok = true;
    for (int y0 = 0; y0 < height && ok; y0 += rows) {
        const int count = std::min(rows, height - y0);
        for (int y = 0; y < count; ++y) {
            const float rowWave = std::cos((y0 + y) / 900.0f);
            unsigned char* line = buffer.data() + size_t(y) * width * 3;
            for (int x = 0; x < width; ++x) {
                const int base = int(110 + 80 * columnWave[x] * rowWave);
                const int texture = ((x * 7) ^ ((y0 + y) * 3)) & 31;
                line[3 * x] = static_cast<unsigned char>(std::clamp(base + texture, 0, 255));
                line[3 * x + 1] = static_cast<unsigned char>(std::clamp(200 - base / 2 + texture, 0, 255));
                line[3 * x + 2] = static_cast<unsigned char>(
                    std::clamp(60 + base / 3 + ((x / 64 + (y0 + y) / 64) % 2) * 40, 0, 255));
            }
        }
        ok = GDALDatasetRasterIO(dataset, GF_Write, 0, y0, width, count, buffer.data(), width, count,
                                 GDT_Byte, 3, nullptr, 3, 3 * width, 1) == CE_None;
    }
    std::vector<int> factors;
    for (int f = 2; std::max(width, height) / f >= 128; f *= 2)
        factors.push_back(f);
    CPLSetConfigOption("COMPRESS_OVERVIEW", "JPEG");
    CPLSetConfigOption("PHOTOMETRIC_OVERVIEW", "YCBCR");
    if (ok && !factors.empty())
        ok = GDALBuildOverviews(dataset, "AVERAGE", int(factors.size()), factors.data(), 0, nullptr, nullptr,
                                nullptr) == CE_None;
    GDALClose(dataset);
    return ok;
}

// A mask of `size` whose tiles are a few shared patterns (stripes and blocks of the six
// classes, shifted by `seed`): the overlay renders it as it would any mask.
LabelMask patternMask(QSize size, int seed) {
    LabelMask mask(size);
    std::vector<std::shared_ptr<const MaskTile>> patterns;
    for (int p = 0; p < 4; ++p) {
        auto tile = std::make_shared<MaskTile>();
        for (int y = 0; y < MaskTile::Size; ++y)
            for (int x = 0; x < MaskTile::Size; ++x) {
                const int value =
                    p % 2 == 0 ? (x / (16 + 8 * p) + y / 48 + seed) : ((x + y * (p + 1)) / 40 + seed);
                tile->classes[size_t(y * MaskTile::Size + x)] = quint8(value % 6);
                tile->provenance[size_t(y * MaskTile::Size + x)] = quint8(Provenance::Predicted);
            }
        patterns.push_back(tile);
    }
    for (int ty = 0; ty < mask.tilesDown(); ++ty)
        for (int tx = 0; tx < mask.tilesAcross(); ++tx)
            mask.setTile(tx, ty, patterns[size_t((tx * 7 + ty * 3 + seed) % 4)]);
    return mask;
}

double percentile(std::vector<double> values, double fraction) {
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, size_t(fraction * (values.size() - 1) + 0.5))];
}

class Bench {
public:
    explicit Bench(MapCanvas& canvas)
        : m_canvas(canvas) {}

    // One frame: a synchronous repaint, timed. Tile loads keep running on the pool meanwhile.
    void frame() {
        QElapsedTimer timer;
        timer.start();
        m_canvas.repaint();
        m_paints.push_back(timer.nsecsElapsed() / 1e6);
    }

    // Frames at ~60 Hz until the view is complete (or a time limit), as a user watching it.
    void settle(int limitMs = 5000) {
        QElapsedTimer timer;
        timer.start();
        do {
            QCoreApplication::processEvents(QEventLoop::AllEvents, 16);
            frame();
        } while (m_canvas.missingTilesAtLastPaint() > 0 && timer.elapsed() < limitMs);
    }

    void wheel(QPoint at, int notches) {
        QWheelEvent event(at, m_canvas.mapToGlobal(at), QPoint(), QPoint(0, notches * 120), Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(&m_canvas, &event);
        frame();
    }

    void pan(QPointF delta) {
        m_canvas.setView(m_canvas.view().center() - delta / m_canvas.view().scale(), m_canvas.view().scale());
        frame();
        QCoreApplication::processEvents(QEventLoop::AllEvents, 16);
    }

    const std::vector<double>& paints() const { return m_paints; }
    // The frames from `first` on, as their own series.
    std::vector<double> since(size_t first) const {
        return std::vector<double>(m_paints.begin() + qsizetype(std::min(first, m_paints.size())),
                                   m_paints.end());
    }

private:
    MapCanvas& m_canvas;
    std::vector<double> m_paints;
};

} // namespace

int main(int argc, char* argv[]) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Paint benchmark of the map canvas."));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("raster"), QStringLiteral("Raster to open."), QStringLiteral("file")});
    parser.addOption(
        {QStringLiteral("generate"),
         QStringLiteral("Write a synthetic WxH GeoTIFF with overviews to --raster if it is missing."),
         QStringLiteral("WxH")});
    parser.addOption({QStringLiteral("window"), QStringLiteral("Canvas size (default 1600x1000)."),
                      QStringLiteral("WxH"), QStringLiteral("1600x1000")});
    parser.addOption({QStringLiteral("compare"),
                      QStringLiteral("Overlay a mask and a comparison; time the swipe and the toggle.")});
    parser.addOption(
        {QStringLiteral("hide-overlay"),
         QStringLiteral("With --compare: the same script with the overlay hidden (the canvas's own "
                        "cost, a baseline).")});
    parser.addOption({QStringLiteral("mask"), QStringLiteral("With --compare: the mask from this file."),
                      QStringLiteral("file")});
    parser.addOption({QStringLiteral("compare-with"),
                      QStringLiteral("With --compare: the comparison from this file."), QStringLiteral("file")});
    parser.addOption({QStringLiteral("budget-mb"),
                      QStringLiteral("Memory for a mask's tiles before it is read out of memory (the "
                                     "window's default, 512)."),
                      QStringLiteral("MB"), QStringLiteral("512")});
    parser.process(app);
    initializeGdal();

    const QString path = parser.value(QStringLiteral("raster"));
    if (path.isEmpty()) {
        std::fprintf(stderr, "segstudio-viewbench: --raster FILE is required\n");
        return 2;
    }
    if (parser.isSet(QStringLiteral("generate")) && !QFileInfo::exists(path)) {
        const QStringList size = parser.value(QStringLiteral("generate")).split(QLatin1Char('x'));
        if (size.size() != 2 || !generateRaster(path, size[0].toInt(), size[1].toInt())) {
            std::fprintf(stderr, "segstudio-viewbench: could not generate %s\n", qUtf8Printable(path));
            return 1;
        }
    }
    const QStringList window = parser.value(QStringLiteral("window")).split(QLatin1Char('x'));

    MapCanvas canvas;
    canvas.resize(window.value(0).toInt(), window.value(1).toInt());
    canvas.show();
    QCoreApplication::processEvents();

    QElapsedTimer clock;
    clock.start();
    QString error;
    const auto source = RasterSource::open(path, &error);
    if (!source) {
        std::fprintf(stderr, "segstudio-viewbench: %s\n", qUtf8Printable(error));
        return 1;
    }
    const double openMs = clock.nsecsElapsed() / 1e6;
    canvas.setSource(source);
    const bool compare = parser.isSet(QStringLiteral("compare"));
    std::unique_ptr<LabelDocument> document;
    std::unique_ptr<MaskOverlay> overlay;
    const qint64 budget = parser.value(QStringLiteral("budget-mb")).toLongLong() * 1024 * 1024;
    const ClassPalette palette = ClassPalette::dubaiAerial();
    // A mask from a file, read as the window reads it; a pattern without one.
    const auto maskFrom = [&](const char* option, int seed, double* ms) -> std::optional<LabelMask> {
        const QString file = parser.value(QLatin1String(option));
        if (file.isEmpty())
            return patternMask(source->size(), seed);
        QElapsedTimer timer;
        timer.start();
        QString why;
        auto mask = MaskFiles::loadWithin(file, source->size(), palette, budget,
                                          QDir::tempPath() + QStringLiteral("/segstudio-viewbench-store"), &why);
        *ms = timer.nsecsElapsed() / 1e6;
        if (!mask)
            std::fprintf(stderr, "segstudio-viewbench: %s\n", qUtf8Printable(why));
        return mask;
    };
    double loadMaskMs = 0, loadComparisonMs = 0;
    std::shared_ptr<const LabelMask> comparison;
    if (compare) {
        auto mask = maskFrom("mask", 0, &loadMaskMs);
        auto other = maskFrom("compare-with", 1, &loadComparisonMs);
        if (!mask || !other)
            return 1;
        comparison = std::make_shared<const LabelMask>(std::move(*other));
        document = std::make_unique<LabelDocument>(std::move(*mask), palette);
        document->setMemoryBudget(budget);
        overlay = std::make_unique<MaskOverlay>(&canvas);
        overlay->setDocument(document.get());
        overlay->setComparisonMask(comparison);
        overlay->setComparison(MaskOverlay::Comparison::Swipe);
        overlay->setShown(!parser.isSet(QStringLiteral("hide-overlay")));
    }
    Bench bench(canvas);
    bench.settle();
    const double firstFrameMs = clock.nsecsElapsed() / 1e6;

    // The script: zoom from the whole image down to 2:1 at the centre, pan a long way at
    // 1:1, zoom out, dive into a corner, pan there, and back to fit.
    const QPoint centre = canvas.rect().center();
    const int fitNotches = int(std::ceil(-2 * std::log2(canvas.view().scale()))) + 2;
    for (int i = 0; i < fitNotches; ++i) {
        bench.wheel(centre, 1);
        if (i % 4 == 3)
            bench.settle(2000);
    }
    bench.settle();
    for (int i = 0; i < 120; ++i)
        bench.pan(QPointF(i < 60 ? -40 : 0, i < 60 ? 0 : -40));
    bench.settle();
    for (int i = 0; i < fitNotches / 2; ++i)
        bench.wheel(centre, -1);
    bench.settle();
    for (int i = 0; i < fitNotches; ++i)
        bench.wheel(QPoint(canvas.width() / 8, canvas.height() / 8), 1);
    bench.settle();
    for (int i = 0; i < 60; ++i)
        bench.pan(QPointF(25, 15));
    bench.settle();
    canvas.fitToWindow();
    bench.settle();

    // The review phases: the divider dragged across and back, then V pressed 30 times, at 1:1
    // on the centre and at fit.
    std::vector<double> swipes[2], toggles[2]; // [0]: at 1:1, [1]: at fit
    if (compare) {
        for (const bool actual : {true, false}) {
            if (actual)
                canvas.setView(QRectF(QPointF(0, 0), QSizeF(source->size())).center(), 1.0);
            else
                canvas.fitToWindow();
            overlay->setComparison(MaskOverlay::Comparison::Swipe);
            bench.settle();
            size_t first = bench.paints().size();
            for (int i = 0; i <= 120; ++i) {
                overlay->setSwipePosition(i <= 60 ? i / 60.0 : (120 - i) / 60.0);
                bench.frame();
            }
            const std::vector<double> swiped = bench.since(first);
            swipes[actual ? 0 : 1] = swiped;
            first = bench.paints().size();
            for (int i = 0; i < 30; ++i) {
                overlay->setComparison(i % 2 == 0 ? MaskOverlay::Comparison::Other
                                                  : MaskOverlay::Comparison::Mask);
                bench.frame();
            }
            const std::vector<double> toggled = bench.since(first);
            toggles[actual ? 0 : 1] = toggled;
        }
    }

    // The Metrics dock's computation over the whole pair, then again after a one-tile edit.
    QJsonObject metrics;
    const bool fromFiles = parser.isSet(QStringLiteral("mask")) || parser.isSet(QStringLiteral("compare-with"));
    if (compare && fromFiles) {
        QElapsedTimer timer;
        timer.start();
        AgreementTracker tracker(MaskAgreement::classesOf(palette));
        const int read = tracker.update(document->mask(), *comparison);
        const MaskAgreement whole = tracker.in();
        metrics.insert(QStringLiteral("metrics_ms"), std::round(timer.nsecsElapsed() / 1e5) / 10);
        metrics.insert(QStringLiteral("tiles_read"), read);
        metrics.insert(QStringLiteral("miou"), std::round(whole.meanIoU() * 1e6) / 1e6);
        metrics.insert(QStringLiteral("pixel_accuracy"), std::round(whole.pixelAccuracy() * 1e6) / 1e6);
        {
            MaskPainter painter(*document, QStringLiteral("edit"));
            for (int y = 100; y < 200; ++y)
                painter.paintSpan(y, 100, 200, PaintSpec{3});
            painter.commit();
        }
        timer.restart();
        const int reread = tracker.update(document->mask(), *comparison);
        tracker.in();
        metrics.insert(QStringLiteral("metrics_after_edit_ms"), std::round(timer.nsecsElapsed() / 1e5) / 10);
        metrics.insert(QStringLiteral("tiles_reread"), reread);
        metrics.insert(QStringLiteral("load_mask_ms"), std::round(loadMaskMs));
        metrics.insert(QStringLiteral("load_comparison_ms"), std::round(loadComparisonMs));
        metrics.insert(QStringLiteral("mask_memory_mb"), std::round(document->mask().memoryBytes() / 1048576.0));
    }

    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const QJsonObject result{
        {"raster", QFileInfo(path).fileName()},
        {"size", QStringLiteral("%1x%2").arg(source->size().width()).arg(source->size().height())},
        {"window", parser.value(QStringLiteral("window"))},
        {"open_ms", std::round(openMs * 10) / 10},
        {"first_frame_ms", std::round(firstFrameMs * 10) / 10},
        {"paint_ms_median", std::round(percentile(bench.paints(), 0.5) * 100) / 100},
        {"paint_ms_p95", std::round(percentile(bench.paints(), 0.95) * 100) / 100},
        {"frames", int(bench.paints().size())},
        {"tiles_loaded", canvas.tileCache().loadsStarted()},
        {"tiles_dropped", canvas.tileCache().loadsDropped()},
        {"cache_mb", std::round(canvas.tileCache().cachedBytes() / 1048576.0)},
        {"peak_rss_mb", std::round(usage.ru_maxrss / 1024.0)},
    };
    QJsonObject output = result;
    if (compare) {
        const auto add = [&output](const char* name, const std::vector<double>& series) {
            output.insert(QStringLiteral("%1_ms_median").arg(QLatin1String(name)),
                          std::round(percentile(series, 0.5) * 100) / 100);
            output.insert(QStringLiteral("%1_ms_p95").arg(QLatin1String(name)),
                          std::round(percentile(series, 0.95) * 100) / 100);
        };
        add("swipe_1to1", swipes[0]);
        add("swipe_fit", swipes[1]);
        add("toggle_1to1", toggles[0]);
        add("toggle_fit", toggles[1]);
        for (auto it = metrics.begin(); it != metrics.end(); ++it)
            output.insert(it.key(), it.value());
    }
    std::printf("%s\n", QJsonDocument(output).toJson(QJsonDocument::Compact).constData());
    return 0;
}
