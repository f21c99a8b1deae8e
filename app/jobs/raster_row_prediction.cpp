#include "app/jobs/raster_row_prediction.h"

#include "annotation/mask_tile.h"
#include "annotation/raster_source.h"
#include "inference/tiled_predictor.h"

#include <QRect>
#include <algorithm>
#include <cstring>

namespace segstudio {

RasterRowPrediction::RasterRowPrediction(inference::TiledPredictor& predictor, const RasterSource& image)
    : m_predictor(predictor)
    , m_image(image)
    , m_input(ModelInput::forSource(image)) {
}

bool RasterRowPrediction::holdRows(int y, int rows, QString* error) {
    const int width = m_image.size().width();
    const size_t rowBytes = size_t(width) * 3;
    // Consecutive bands overlap by the windows' overlap: those rows are not read again.
    int readFrom = y;
    if (m_rows > 0 && y >= m_top && y < m_top + m_rows) {
        const int kept = std::min(m_top + m_rows - y, rows);
        std::memmove(m_rgb.data(), m_rgb.data() + size_t(y - m_top) * rowBytes, size_t(kept) * rowBytes);
        readFrom = y + kept;
    }
    m_rgb.resize(size_t(rows) * rowBytes);
    m_top = y;
    m_rows = rows;
    if (readFrom >= y + rows)
        return true;
    std::vector<uint8_t> rgb, empty;
    QString readError;
    if (!m_input.read(m_image, QRect(0, readFrom, width, y + rows - readFrom), rgb, &readError, &empty)) {
        m_rows = 0;
        if (error)
            *error = QStringLiteral("Cannot read the image: %1").arg(readError);
        return false;
    }
    std::copy(rgb.begin(), rgb.end(), m_rgb.begin() + std::ptrdiff_t(size_t(readFrom - y) * rowBytes));
    // Rows are read once each and in order; the no-data rows follow the ones kept.
    if (m_empty.empty() || m_emptyTop + int(m_empty.size() / size_t(width)) != readFrom) {
        m_empty.clear();
        m_emptyTop = readFrom;
    }
    m_empty.insert(m_empty.end(), empty.begin(), empty.end());
    return true;
}

bool RasterRowPrediction::run(int firstRow, int endRow, const TakeRows& take,
                              const std::function<void(int, int)>& progress, QString* error) {
    const int width = m_image.size().width();
    m_rows = 0;
    m_empty.clear();
    QString failure; // ours (a read or `take`), in the person's words; else the engine's
    std::string why;
    const bool ok = m_predictor.predictRows(
        width, m_image.size().height(), firstRow, endRow,
        [&](int y, int rows, inference::ImageView& band, std::string*) {
            if (!holdRows(y, rows, &failure))
                return false;
            band = {m_rgb.data(), width, rows, 0};
            return true;
        },
        [&](int y, int rows, uint8_t* classes, float* confidence, std::string*) {
            const size_t pixels = size_t(width) * size_t(rows);
            const size_t first = size_t(y - m_emptyTop) * size_t(width);
            if (y < m_emptyTop || first + pixels > m_empty.size()) {
                failure =
                    QStringLiteral("rows %1-%2 were predicted before they were read").arg(y).arg(y + rows);
                return false;
            }
            // No data in the image (nodata, alpha 0, NaN): no class, and nothing to be sure of.
            for (size_t i = 0; i < pixels; ++i) {
                if (m_empty[first + i]) {
                    classes[i] = Unlabeled;
                    confidence[i] = 0.f;
                }
            }
            m_empty.erase(m_empty.begin(), m_empty.begin() + std::ptrdiff_t(first + pixels));
            m_emptyTop = y + rows;
            return take(y, rows, classes, confidence, &failure);
        },
        progress, nullptr, &why);
    if (!ok && error)
        *error = failure.isEmpty() ? QString::fromStdString(why) : failure;
    return ok;
}

} // namespace segstudio
