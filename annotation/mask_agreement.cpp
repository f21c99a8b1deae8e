#include "annotation/mask_agreement.h"

#include "annotation/agreement_tracker.h"
#include "annotation/label_mask.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace segstudio {
namespace {

double ratio(qint64 part, qint64 whole) {
    return whole > 0 ? double(part) / double(whole) : std::numeric_limits<double>::quiet_NaN();
}

} // namespace

MaskAgreement MaskAgreement::of(const LabelMask& mask, const LabelMask& comparison, int classes) {
    AgreementTracker tracker(classes);
    tracker.update(mask, comparison);
    return tracker.in();
}

int MaskAgreement::classesOf(const ClassPalette& palette) {
    int classes = 1;
    for (const LabelClass& c : palette.classes())
        classes = std::max(classes, c.id + 1);
    return classes;
}

void MaskAgreement::add(const MaskAgreement& other) {
    if (counts.empty()) {
        classes = other.classes;
        counts.assign(other.counts.size(), 0);
    }
    if (other.classes != classes)
        return;
    for (size_t i = 0; i < counts.size(); ++i)
        counts[i] += other.counts[i];
}

qint64 MaskAgreement::total() const {
    qint64 sum = 0;
    for (qint64 c : counts)
        sum += c;
    return sum;
}

qint64 MaskAgreement::referencePixels(int c) const {
    qint64 sum = 0;
    for (int p = 0; p < classes; ++p)
        sum += count(c, p);
    return sum;
}

qint64 MaskAgreement::predictedPixels(int c) const {
    qint64 sum = 0;
    for (int r = 0; r < classes; ++r)
        sum += count(r, c);
    return sum;
}

double MaskAgreement::iou(int c) const {
    return ratio(count(c, c), referencePixels(c) + predictedPixels(c) - count(c, c));
}

double MaskAgreement::precision(int c) const {
    return ratio(count(c, c), predictedPixels(c));
}

double MaskAgreement::recall(int c) const {
    return ratio(count(c, c), referencePixels(c));
}

double MaskAgreement::f1(int c) const {
    return ratio(2 * count(c, c), referencePixels(c) + predictedPixels(c));
}

double MaskAgreement::meanIoU() const {
    double sum = 0;
    int defined = 0;
    for (int c = 0; c < classes; ++c)
        if (const double value = iou(c); std::isfinite(value)) {
            sum += value;
            ++defined;
        }
    return defined > 0 ? sum / defined : std::numeric_limits<double>::quiet_NaN();
}

double MaskAgreement::pixelAccuracy() const {
    qint64 diagonal = 0;
    for (int c = 0; c < classes; ++c)
        diagonal += count(c, c);
    return ratio(diagonal, total());
}

std::vector<MaskAgreement::Tile> MaskAgreement::worstTiles(int count) const {
    std::vector<Tile> worst;
    for (const Tile& tile : tiles)
        if (tile.differing > 0)
            worst.push_back(tile);
    std::stable_sort(worst.begin(), worst.end(),
                     [](const Tile& a, const Tile& b) { return a.differing > b.differing; });
    if (int(worst.size()) > count)
        worst.resize(size_t(std::max(0, count)));
    return worst;
}

} // namespace segstudio
