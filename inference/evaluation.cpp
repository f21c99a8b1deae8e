#include "inference/evaluation.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

namespace segstudio::inference {

ConfusionMatrix::ConfusionMatrix(int classes)
    : m_classes(classes)
    , m_counts(size_t(classes) * classes, 0) {
}

bool ConfusionMatrix::add(const uint8_t* prediction, const uint8_t* reference, size_t count) {
    for (size_t i = 0; i < count; ++i) {
        const int r = reference[i];
        if (r == 255)
            continue;
        const int p = prediction[i];
        if (r >= m_classes || p >= m_classes)
            return false;
        ++m_counts[size_t(r) * m_classes + p];
    }
    return true;
}

void ConfusionMatrix::merge(const ConfusionMatrix& other) {
    for (size_t i = 0; i < m_counts.size() && i < other.m_counts.size(); ++i)
        m_counts[i] += other.m_counts[i];
}

long long ConfusionMatrix::total() const {
    long long sum = 0;
    for (long long c : m_counts)
        sum += c;
    return sum;
}

double ConfusionMatrix::iou(int c) const {
    long long truePositive = count(c, c), referenceTotal = 0, predictedTotal = 0;
    for (int k = 0; k < m_classes; ++k) {
        referenceTotal += count(c, k);
        predictedTotal += count(k, c);
    }
    const long long unionCount = referenceTotal + predictedTotal - truePositive;
    return unionCount == 0 ? std::numeric_limits<double>::quiet_NaN()
                           : double(truePositive) / double(unionCount);
}

double ConfusionMatrix::meanIoU() const {
    double sum = 0;
    int n = 0;
    for (int c = 0; c < m_classes; ++c) {
        const double value = iou(c);
        if (!std::isnan(value)) {
            sum += value;
            ++n;
        }
    }
    return n ? sum / n : std::numeric_limits<double>::quiet_NaN();
}

double ConfusionMatrix::pixelAccuracy() const {
    long long correct = 0;
    for (int c = 0; c < m_classes; ++c)
        correct += count(c, c);
    const long long all = total();
    return all ? double(correct) / double(all) : std::numeric_limits<double>::quiet_NaN();
}

std::string ConfusionMatrix::toJson(const std::vector<std::string>& names) const {
    using nlohmann::json;
    json perClass = json::object();
    for (int c = 0; c < m_classes; ++c) {
        const double value = iou(c);
        const std::string name = c < int(names.size()) ? names[c] : std::to_string(c);
        perClass[name] = std::isnan(value) ? json(nullptr) : json(value);
    }
    json matrix = json::array();
    for (int r = 0; r < m_classes; ++r) {
        json row = json::array();
        for (int p = 0; p < m_classes; ++p)
            row.push_back(count(r, p));
        matrix.push_back(row);
    }
    const double miou = meanIoU(), accuracy = pixelAccuracy();
    json out = {{"iou", perClass},
                {"miou", std::isnan(miou) ? json(nullptr) : json(miou)},
                {"pixel_accuracy", std::isnan(accuracy) ? json(nullptr) : json(accuracy)},
                {"pixels", total()},
                {"confusion_matrix", matrix}};
    return out.dump();
}

} // namespace segstudio::inference
