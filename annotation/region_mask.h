#pragma once

#include <QRect>
#include <QtGlobal>
#include <vector>

namespace segstudio {

// A set of image pixels within `bounds`: one byte per pixel of bounds, row-major, non-zero for
// "in". The result of the smart tools (magic wand, GrabCut) and of flood fill, computed on a
// worker thread and then painted on the GUI thread.
struct RegionMask {
    QRect bounds;
    std::vector<quint8> bits;

    bool isEmpty() const { return bounds.isEmpty(); }
    bool contains(int x, int y) const {
        return bounds.contains(x, y) &&
               bits[size_t(y - bounds.top()) * size_t(bounds.width()) + size_t(x - bounds.left())] != 0;
    }
    qint64 count() const {
        qint64 n = 0;
        for (quint8 b : bits)
            n += b != 0;
        return n;
    }
};

} // namespace segstudio
