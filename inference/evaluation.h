#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace segstudio::inference {

// Counts (reference class, predicted class) pairs; reference 255 is ignored. Gives the usual
// segmentation scores: per-class IoU, mean IoU over the classes that occur, pixel accuracy.
class ConfusionMatrix {
public:
    explicit ConfusionMatrix(int classes);

    // Returns false if a class id is out of range (other than reference 255).
    bool add(const uint8_t* prediction, const uint8_t* reference, size_t count);
    void merge(const ConfusionMatrix& other);

    int classes() const { return m_classes; }
    long long count(int reference, int predicted) const {
        return m_counts[size_t(reference) * m_classes + predicted];
    }
    long long total() const;
    // NaN when the class occurs in neither reference nor prediction.
    double iou(int c) const;
    double meanIoU() const;
    double pixelAccuracy() const;
    std::string toJson(const std::vector<std::string>& names) const;

private:
    int m_classes;
    std::vector<long long> m_counts;
};

} // namespace segstudio::inference
