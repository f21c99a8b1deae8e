#include "app/jobs/segmentation_job.h"

#include "annotation/label_document.h"
#include "annotation/label_mask.h"
#include "annotation/raster_source.h"
#include "inference/tiled_predictor.h"

#include <algorithm>
#include <atomic>

namespace segstudio {

QList<QRect> SegmentationJob::regionsOf(const QRect& area, QSize imageSize, QPointF focus) {
    const QRect clipped = area & QRect(QPoint(0, 0), imageSize);
    QList<QRect> regions;
    if (clipped.isEmpty())
        return regions;
    const int tile = LabelMask::TileSize;
    const int left = clipped.left() / tile * tile, top = clipped.top() / tile * tile;
    for (int y = top; y <= clipped.bottom(); y += RegionSize)
        for (int x = left; x <= clipped.right(); x += RegionSize)
            regions.append(QRect(x, y, RegionSize, RegionSize) & clipped);
    // What the user looks at first.
    std::stable_sort(regions.begin(), regions.end(), [focus](const QRect& a, const QRect& b) {
        const QPointF da = QRectF(a).center() - focus, db = QRectF(b).center() - focus;
        return QPointF::dotProduct(da, da) < QPointF::dotProduct(db, db);
    });
    return regions;
}

SegmentationJob::SegmentationJob(inference::TiledPredictor& predictor, const RasterSource& image, int context)
    : m_predictor(predictor)
    , m_image(image)
    , m_input(ModelInput::forSource(image))
    , m_context(context) {
}

bool SegmentationJob::predict(const QRect& region, PredictedRegion& out,
                              const std::function<bool()>& cancelled, QString* error,
                              const std::function<void(int, int)>& progress) {
    const QRect bounds(QPoint(0, 0), m_image.size());
    const QRect target = region & bounds;
    const QRect window = target.adjusted(-m_context, -m_context, m_context, m_context) & bounds;
    QString readError;
    std::vector<uint8_t> rgb, empty;
    if (!m_input.read(m_image, window, rgb, &readError, &empty)) {
        if (error)
            *error = QStringLiteral("Cannot read the image: %1").arg(readError);
        return false;
    }
    std::atomic<bool> cancel{false};
    inference::Prediction prediction;
    std::string why;
    const bool ok = m_predictor.predict(
        {rgb.data(), window.width(), window.height(), 0}, prediction,
        [&](int done, int total) {
            if (progress)
                progress(done, total);
            if (cancelled)
                cancel.store(cancelled());
        },
        &cancel, &why);
    if (!ok) {
        if (error)
            *error = cancel.load() ? QString() : QString::fromStdString(why);
        return false;
    }
    out.rect = target;
    const size_t width = size_t(target.width());
    out.classes.resize(width * size_t(target.height()));
    out.confidence.resize(out.classes.size());
    const int dx = target.left() - window.left(), dy = target.top() - window.top();
    for (int y = 0; y < target.height(); ++y) {
        const size_t in = size_t(y + dy) * size_t(window.width()) + size_t(dx);
        std::copy_n(prediction.classes.data() + in, width, out.classes.data() + size_t(y) * width);
        std::copy_n(prediction.confidence.data() + in, width, out.confidence.data() + size_t(y) * width);
        // No data in the image (nodata, alpha 0, NaN): no class, and nothing to be sure of.
        for (size_t x = 0; x < width; ++x) {
            if (empty[in + x]) {
                out.classes[size_t(y) * width + x] = Unlabeled;
                out.confidence[size_t(y) * width + x] = 0.f;
            }
        }
    }
    return true;
}

bool SegmentationJob::run(const QList<QRect>& regions, const std::function<void(PredictedRegion&)>& done,
                          const std::function<bool()>& cancelled, QString* error) {
    for (const QRect& region : regions) {
        if (cancelled && cancelled()) {
            if (error)
                error->clear();
            return false;
        }
        PredictedRegion predicted;
        if (!predict(region, predicted, cancelled, error))
            return false;
        done(predicted);
    }
    return true;
}

bool SegmentationJob::segmentDocument(LabelDocument& document, const PredictionRules& rules,
                                      const std::function<void(int, int)>& progress, QString* error,
                                      const std::function<bool()>& cancelled) {
    const QRect whole = document.mask().rect();
    const QList<QRect> regions = regionsOf(whole, whole.size(), QRectF(whole).center());
    int done = 0;
    return run(
        regions,
        [&](PredictedRegion& region) {
            PredictionWriter::write(document, region, rules);
            if (progress)
                progress(++done, int(regions.size()));
        },
        cancelled, error);
}

} // namespace segstudio
