#include "annotation/smart_tools.h"

#include "annotation/mask_tools.h"
#include "annotation/raster_source.h"

#include <QImage>
#include <QObject>
#include <algorithm>
#include <opencv2/imgproc.hpp>

namespace segstudio::SmartTools {
namespace {

// The displayed colours of `window` as an 8-bit BGR matrix (empty on a read failure).
cv::Mat readDisplayed(const RasterSource& image, const DisplaySettings& display, const QRect& window,
                      QString* error) {
    QString readError;
    const QImage rendered = image.renderWindow(0, window, display, &readError);
    if (rendered.isNull()) {
        *error = QObject::tr("Could not read the image: %1").arg(readError);
        return {};
    }
    const QImage argb = rendered.convertToFormat(QImage::Format_ARGB32);
    const cv::Mat bgra(argb.height(), argb.width(), CV_8UC4, const_cast<uchar*>(argb.constBits()),
                       size_t(argb.bytesPerLine()));
    cv::Mat bgr;
    cv::cvtColor(bgra, bgr, cv::COLOR_BGRA2BGR); // copies: the QImage may go away
    return bgr;
}

RegionMask regionFromMask(const cv::Mat& mask, const QRect& window, int offset) {
    RegionMask region;
    region.bounds = window;
    region.bits.resize(size_t(window.width()) * size_t(window.height()));
    for (int y = 0; y < window.height(); ++y)
        std::copy_n(mask.ptr<quint8>(y + offset) + offset, window.width(),
                    region.bits.data() + size_t(y) * size_t(window.width()));
    return region;
}

} // namespace

RegionMask magicWand(const RasterSource& image, const DisplaySettings& display, QPoint seed,
                     const QRect& bounds, int tolerance, QString* error) {
    const QRect around(seed.x() - MaxWandWindow / 2, seed.y() - MaxWandWindow / 2, MaxWandWindow,
                       MaxWandWindow);
    const QRect window = bounds.intersected(around).intersected(QRect(QPoint(0, 0), image.size()));
    if (!window.contains(seed))
        return {};
    const cv::Mat bgr = readDisplayed(image, display, window, error);
    if (bgr.empty())
        return {};
    cv::Mat filled = cv::Mat::zeros(window.height() + 2, window.width() + 2, CV_8UC1);
    const double t = std::clamp(tolerance, 0, 255);
    // Fixed range: every pixel is compared with the seed, not with its neighbour, so the
    // selection cannot creep along a slow gradient.
    cv::floodFill(bgr, filled, cv::Point(seed.x() - window.left(), seed.y() - window.top()), cv::Scalar(),
                  nullptr, cv::Scalar::all(t), cv::Scalar::all(t),
                  4 | cv::FLOODFILL_MASK_ONLY | cv::FLOODFILL_FIXED_RANGE | (1 << 8));
    return regionFromMask(filled, window, 1);
}

RegionMask grabCut(const RasterSource& image, const DisplaySettings& display, const QPolygonF& selection,
                   int iterations, QString* error) {
    const QRect imageRect(QPoint(0, 0), image.size());
    const QRect box = selection.boundingRect().toAlignedRect().intersected(imageRect);
    if (selection.size() < 3 || box.isEmpty()) {
        *error = QObject::tr("Draw a closed selection around the object first.");
        return {};
    }
    if (qint64(box.width()) * box.height() > MaxGrabCutPixels) {
        *error = QObject::tr("The selection is too large for GrabCut (%1 × %2 px; at most %3 megapixels). "
                             "Zoom in and draw a tighter selection.")
                     .arg(box.width())
                     .arg(box.height())
                     .arg(MaxGrabCutPixels / 1'000'000);
        return {};
    }
    // A margin outside the selection gives the background model colours to learn from.
    const int margin = std::max(8, std::max(box.width(), box.height()) / 10);
    const QRect window = box.adjusted(-margin, -margin, margin, margin).intersected(imageRect);
    const cv::Mat bgr = readDisplayed(image, display, window, error);
    if (bgr.empty())
        return {};
    cv::Mat labels(window.height(), window.width(), CV_8UC1, cv::Scalar(cv::GC_BGD));
    qint64 inside = 0;
    MaskTools::forEachPolygonSpan(selection.translated(-window.left(), -window.top()),
                                  QRect(0, 0, window.width(), window.height()), [&](int y, int x0, int x1) {
                                      std::fill_n(labels.ptr<quint8>(y) + x0, x1 - x0, quint8(cv::GC_PR_FGD));
                                      inside += x1 - x0;
                                  });
    if (inside == 0 || inside == qint64(window.width()) * window.height()) {
        *error = QObject::tr("GrabCut needs image both inside and outside the selection.");
        return {};
    }
    try {
        cv::Mat background;
        cv::Mat foreground;
        cv::grabCut(bgr, labels, cv::Rect(), background, foreground, std::max(1, iterations),
                    cv::GC_INIT_WITH_MASK);
    } catch (const cv::Exception& e) {
        *error = QObject::tr("GrabCut failed: %1").arg(QString::fromStdString(e.msg));
        return {};
    }
    cv::Mat result = (labels == cv::GC_FGD) | (labels == cv::GC_PR_FGD);
    return regionFromMask(result, window, 0);
}

} // namespace segstudio::SmartTools
