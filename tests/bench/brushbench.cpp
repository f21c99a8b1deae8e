// segstudio-brushbench: one brush stroke on a huge mask, through the same code the brush tool
// runs (MaskPainter + MaskTools::paintSegment, one undo step), and prints one JSON line:
//   dab_ms_mean / dab_ms_p95 / dab_ms_max   painting one dab (the brush swept from the last point)
//   commit_ms        closing the stroke: diffing and compressing the touched tiles into the command
//   undo_bytes       memory the stroke added to the undo history
//   undo_ms / redo_ms  undoing and redoing the stroke
//   tiles_touched, mask_mb (tile memory after the stroke), peak_rss_mb
// Defaults: a 40 000 × 40 000 mask, 200 dabs of radius 500 px, 40 px apart along a wave.
#include "annotation/label_document.h"
#include "annotation/mask_painter.h"
#include "annotation/mask_tools.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <sys/resource.h>
#include <vector>

using namespace segstudio;

namespace {

double round2(double v) {
    return std::round(v * 100) / 100;
}

} // namespace

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Times one brush stroke on a large label mask."));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("size"), QStringLiteral("Mask size (default 40000x40000)."),
                      QStringLiteral("WxH"), QStringLiteral("40000x40000")});
    parser.addOption({QStringLiteral("dabs"), QStringLiteral("Dabs in the stroke (default 200)."),
                      QStringLiteral("n"), QStringLiteral("200")});
    parser.addOption({QStringLiteral("radius"), QStringLiteral("Brush radius in pixels (default 500)."),
                      QStringLiteral("px"), QStringLiteral("500")});
    parser.addOption({QStringLiteral("spacing"), QStringLiteral("Distance between dabs (default 40)."),
                      QStringLiteral("px"), QStringLiteral("40")});
    parser.process(app);
    const QStringList size = parser.value(QStringLiteral("size")).split(QLatin1Char('x'));
    const QSize maskSize(size.value(0).toInt(), size.value(1).toInt());
    const int dabs = parser.value(QStringLiteral("dabs")).toInt();
    const double radius = parser.value(QStringLiteral("radius")).toDouble();
    const double spacing = parser.value(QStringLiteral("spacing")).toDouble();
    if (maskSize.isEmpty() || dabs < 1 || radius <= 0) {
        std::fprintf(stderr, "segstudio-brushbench: bad arguments\n");
        return 2;
    }

    LabelDocument document(LabelMask(maskSize), ClassPalette::dubaiAerial());
    // A little existing labeling under the stroke, so the undo record is not only empty tiles.
    {
        MaskPainter painter(document, QStringLiteral("Background"));
        MaskTools::fillPolygon(
            painter, QPolygonF(QRectF(maskSize.width() * 0.4, 0, maskSize.width() * 0.2, maskSize.height())),
            PaintSpec{1});
        painter.commit();
    }
    const qint64 bytesBefore = document.history().bytes();

    // The stroke: left to right across the middle, waving up and down.
    std::vector<QPointF> points;
    const QPointF start(maskSize.width() / 2.0 - dabs * spacing / 2, maskSize.height() / 2.0);
    for (int i = 0; i < dabs; ++i)
        points.emplace_back(start.x() + i * spacing, start.y() + 3 * radius * std::sin(i / 15.0));
    std::vector<double> dabMs;
    dabMs.reserve(points.size());
    QElapsedTimer timer;
    MaskPainter painter(document, QStringLiteral("Brush"));
    const PaintSpec spec{2};
    const double diameter = 2 * radius;
    QPointF last = MaskTools::snapBrushCentre(points.front(), diameter);
    for (size_t i = 0; i < points.size(); ++i) {
        const QPointF centre = MaskTools::snapBrushCentre(points[i], diameter);
        timer.start();
        MaskTools::paintSegment(painter, i == 0 ? centre : last, centre, diameter, spec);
        dabMs.push_back(timer.nsecsElapsed() / 1e6);
        last = centre;
    }
    const int touched = painter.touchedTiles();
    timer.start();
    painter.commit();
    const double commitMs = timer.nsecsElapsed() / 1e6;
    const qint64 undoBytes = document.history().bytes() - bytesBefore;
    const qint64 painted = document.mask().classHistogram()[2];
    const double maskMb = document.mask().memoryBytes() / 1048576.0;

    timer.start();
    document.undo();
    const double undoMs = timer.nsecsElapsed() / 1e6;
    const bool undone = document.mask().classHistogram()[2] == 0;
    timer.start();
    document.redo();
    const double redoMs = timer.nsecsElapsed() / 1e6;
    const bool redone = document.mask().classHistogram()[2] == painted;

    std::vector<double> sorted = dabMs;
    std::sort(sorted.begin(), sorted.end());
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const QJsonObject result{
        {"mask", parser.value(QStringLiteral("size"))},
        {"dabs", dabs},
        {"radius_px", radius},
        {"spacing_px", spacing},
        {"dab_ms_mean", round2(std::accumulate(dabMs.begin(), dabMs.end(), 0.0) / dabMs.size())},
        {"dab_ms_p95", round2(sorted[std::min(sorted.size() - 1, size_t(0.95 * (sorted.size() - 1) + 0.5))])},
        {"dab_ms_max", round2(sorted.back())},
        {"commit_ms", round2(commitMs)},
        {"pixels_painted", painted},
        {"tiles_touched", touched},
        {"undo_bytes", undoBytes},
        {"undo_ms", round2(undoMs)},
        {"redo_ms", round2(redoMs)},
        {"undo_redo_exact", undone && redone},
        {"mask_mb", round2(maskMb)},
        {"peak_rss_mb", std::round(usage.ru_maxrss / 1024.0)},
    };
    std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Compact).constData());
    return undone && redone ? 0 : 1;
}
