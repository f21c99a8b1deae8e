#include "annotation/coco_rle.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace segstudio::CocoRle {

QByteArray compress(const std::vector<std::uint32_t>& counts) {
    QByteArray text;
    text.reserve(qsizetype(counts.size()) * 2);
    for (size_t i = 0; i < counts.size(); ++i) {
        long long x = counts[i];
        if (i > 2)
            x -= counts[i - 2];
        bool more = true;
        while (more) {
            char c = char(x & 0x1f);
            x >>= 5; // arithmetic: a negative difference ends in a run of sign bits
            more = (c & 0x10) ? x != -1 : x != 0;
            if (more)
                c |= 0x20;
            text.append(char(c + 48));
        }
    }
    return text;
}

std::vector<CocoRegion> regions(const std::uint8_t* classes, int width, int height) {
    std::vector<CocoRegion> result;
    if (width <= 0 || height <= 0)
        return result;
    const cv::Mat image(height, width, CV_8U, const_cast<std::uint8_t*>(classes));
    // Regions of all classes numbered in one label image (0 = none), so one column-major pass
    // makes every region's runs.
    cv::Mat regionOf(height, width, CV_32S, cv::Scalar(0));
    int present[256] = {};
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            present[classes[size_t(y) * width + x]] = 1;
    for (int classId = 0; classId < 255; ++classId) {
        if (!present[classId])
            continue;
        cv::Mat components, stats, centroids;
        const int count =
            cv::connectedComponentsWithStats(image == classId, components, stats, centroids, 8, CV_32S);
        const int offset = int(result.size());
        for (int k = 1; k < count; ++k) {
            CocoRegion region;
            region.classId = classId;
            region.area = stats.at<int>(k, cv::CC_STAT_AREA);
            region.box = QRect(stats.at<int>(k, cv::CC_STAT_LEFT), stats.at<int>(k, cv::CC_STAT_TOP),
                               stats.at<int>(k, cv::CC_STAT_WIDTH), stats.at<int>(k, cv::CC_STAT_HEIGHT));
            result.push_back(std::move(region));
        }
        cv::Mat shifted;
        components.convertTo(shifted, CV_32S, 1, offset);
        shifted.copyTo(regionOf, components > 0);
    }
    // Column-major order is the transposed image's row-major order.
    cv::Mat columnMajor;
    cv::transpose(regionOf, columnMajor);
    const auto* ids = columnMajor.ptr<std::int32_t>(0);
    const std::int64_t total = std::int64_t(width) * height;
    std::vector<std::int64_t> lastEnd(result.size(), 0); // where each region's last run of ones ended
    std::int64_t runStart = 0;
    for (std::int64_t p = 0; p <= total; ++p) {
        const std::int32_t id = p < total ? ids[p] : -1;
        const std::int32_t previous = p > 0 ? ids[p - 1] : -1;
        if (id == previous)
            continue;
        if (previous > 0) { // a run of region `previous` ends at p
            CocoRegion& region = result[size_t(previous - 1)];
            region.counts.push_back(std::uint32_t(runStart - lastEnd[size_t(previous - 1)]));
            region.counts.push_back(std::uint32_t(p - runStart));
            lastEnd[size_t(previous - 1)] = p;
        }
        runStart = p;
    }
    for (size_t i = 0; i < result.size(); ++i)
        if (lastEnd[i] < total)
            result[i].counts.push_back(std::uint32_t(total - lastEnd[i]));
    return result;
}

} // namespace segstudio::CocoRle
