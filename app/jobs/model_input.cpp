#include "app/jobs/model_input.h"

#include "annotation/raster_source.h"

#include <algorithm>
#include <cmath>

namespace segstudio {

ModelInput ModelInput::forSource(const RasterSource& source) {
    const RasterInfo& info = source.info();
    ModelInput input;
    if (info.bandCount < 3 || info.alphaBand == 2 || info.alphaBand == 3)
        input.bands = {1, 1, 1};
    input.expandPalette = info.hasColorTable && input.isGrey();
    input.scaled = !info.isByteData;
    if (input.scaled) {
        for (int c = 0; c < 3; ++c) {
            const auto [low, high] = source.valueRange(input.bands[c]);
            input.low[c] = low;
            input.high[c] = high;
        }
    }
    return input;
}

bool ModelInput::read(const RasterSource& source, const QRect& window, std::vector<uint8_t>& rgb,
                      QString* error, std::vector<uint8_t>* empty) const {
    const RasterInfo& info = source.info();
    const size_t pixels = size_t(window.width()) * size_t(window.height());
    rgb.resize(pixels * 3);
    if (empty)
        empty->assign(pixels, 0);
    const auto mark = [empty](size_t i, bool isEmpty) {
        if (empty && isEmpty)
            (*empty)[i] = 1;
        return isEmpty;
    };
    const bool hasNoData = info.noData.has_value();

    // Alpha 0 is "no data here" whatever the colours say.
    std::vector<uint8_t> alpha;
    if (info.alphaBand && !source.readBytes(0, window, {info.alphaBand}, alpha, error))
        return false;
    const auto transparent = [&](size_t i) { return !alpha.empty() && alpha[i] == 0; };

    if (expandPalette) {
        std::vector<uint8_t> indices;
        if (!source.readBytes(0, window, {bands[0]}, indices, error))
            return false;
        const std::vector<QRgb> table = source.colorTable();
        const int noData = hasNoData ? int(*info.noData) : -1;
        for (size_t i = 0; i < pixels; ++i) {
            const QRgb color = indices[i] < table.size() ? table[indices[i]] : 0u;
            const bool none = mark(i, int(indices[i]) == noData || qAlpha(color) == 0 || transparent(i));
            rgb[3 * i] = none ? fill : uint8_t(qRed(color));
            rgb[3 * i + 1] = none ? fill : uint8_t(qGreen(color));
            rgb[3 * i + 2] = none ? fill : uint8_t(qBlue(color));
        }
        return true;
    }

    const std::vector<int> distinct =
        isGrey() ? std::vector<int>{bands[0]} : std::vector<int>{bands[0], bands[1], bands[2]};
    const size_t channels = distinct.size();
    if (!scaled) {
        std::vector<uint8_t> samples;
        if (!source.readBytes(0, window, distinct, samples, error))
            return false;
        const int noData = hasNoData ? int(*info.noData) : -1;
        for (size_t i = 0; i < pixels; ++i) {
            const uint8_t* in = samples.data() + i * channels;
            bool none = transparent(i);
            if (hasNoData && !none)
                none = std::all_of(in, in + channels, [&](uint8_t v) { return int(v) == noData; });
            mark(i, none);
            for (int c = 0; c < 3; ++c)
                rgb[3 * i + size_t(c)] = none ? fill : in[channels == 1 ? 0 : size_t(c)];
        }
        return true;
    }

    std::vector<float> samples; // band-sequential
    if (!source.readWindow(0, window, distinct, samples, error))
        return false;
    double scale[3];
    for (int c = 0; c < 3; ++c)
        scale[c] = 255.0 / std::max(1e-12, high[c] - low[c]);
    const float noData = hasNoData ? float(*info.noData) : 0.f;
    for (size_t i = 0; i < pixels; ++i) {
        float value[3];
        bool allNoData = hasNoData, anyNan = false;
        for (int c = 0; c < 3; ++c) {
            value[c] = samples[(channels == 1 ? 0 : size_t(c)) * pixels + i];
            allNoData = allNoData && value[c] == noData;
            anyNan = anyNan || std::isnan(value[c]);
        }
        const bool none = mark(i, allNoData || anyNan || transparent(i));
        for (int c = 0; c < 3; ++c) {
            const double v = (double(value[c]) - low[c]) * scale[c];
            rgb[3 * i + size_t(c)] = none ? fill : uint8_t(std::clamp(v, 0.0, 255.0) + 0.5);
        }
    }
    return true;
}

} // namespace segstudio
