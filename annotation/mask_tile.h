#pragma once

#include <QtGlobal>
#include <array>
#include <cstring>
#include <vector>

namespace segstudio {

// The class value of a pixel nobody labeled: the ignore index of training (Pascal VOC style).
constexpr quint8 Unlabeled = 255;

// Where the class of a pixel came from. Fine-tuning learns only from Edited and Reviewed.
enum class Provenance : quint8 { None = 0, Predicted = 1, Edited = 2, Reviewed = 3 };

// Labels a person gave (edited or reviewed, stored as provenance bytes): predictions never
// overwrite them, and fine-tuning learns only from them.
constexpr bool isHumanProvenance(quint8 provenance) {
    return provenance == quint8(Provenance::Edited) || provenance == quint8(Provenance::Reviewed);
}

// One 256² block of a LabelMask: a class byte and a provenance byte per pixel, plus an optional
// confidence byte per pixel (0-255 maps to 0-1; filled by prediction). Plain data so that copies
// (copy-on-write in LabelMask, snapshots for saving and undo) are a single allocation.
struct MaskTile {
    static constexpr int Size = 256;
    static constexpr int Pixels = Size * Size;

    MaskTile() {
        classes.fill(Unlabeled);
        provenance.fill(quint8(Provenance::None));
    }

    std::array<quint8, Pixels> classes;
    std::array<quint8, Pixels> provenance;
    std::vector<quint8> confidence; // empty, or Pixels entries

    bool operator==(const MaskTile&) const = default;
    // True when the tile holds nothing a blank tile does not: it can be freed.
    bool isBlank() const;
    // True when some pixel has this provenance.
    bool holds(Provenance source) const {
        return std::memchr(provenance.data(), int(source), provenance.size()) != nullptr;
    }
};

} // namespace segstudio
