#include "annotation/mask_painter.h"

#include "annotation/label_document.h"
#include "annotation/region_mask.h"
#include "annotation/tile_codec.h"
#include "annotation/tile_store.h"

#include <algorithm>
#include <cstring>

namespace segstudio {

MaskPainter::MaskPainter(LabelDocument& document, const QString& text)
    : m_document(&document)
    , m_text(text)
    , m_bounds(document.mask().rect()) {
    document.beginPainter(this);
}

MaskPainter::~MaskPainter() {
    if (m_document)
        abort();
}

MaskTile& MaskPainter::touch(int tileX, int tileY) {
    LabelMask& mask = m_document->editableMask();
    const int key = tileY * mask.tilesAcross() + tileX;
    auto found = m_writable.constFind(key);
    if (found != m_writable.constEnd())
        return **found;
    // Holding the old tile makes it shared, so mutableTile() copies it: the record is exact.
    m_touched.push_back({tileX, tileY, mask.tile(tileX, tileY), mask.storedTile(tileX, tileY)});
    MaskTile& tile = mask.mutableTile(tileX, tileY);
    m_writable.insert(key, &tile);
    return tile;
}

template <typename Write> void MaskPainter::forSpan(int y, int x0, int x1, Write write) {
    const LabelMask& mask = m_document->mask();
    if (y < 0 || y >= mask.height())
        return;
    x0 = std::max(x0, 0);
    x1 = std::min(x1, mask.width());
    if (x0 >= x1)
        return;
    const int size = LabelMask::TileSize;
    const int tileY = y / size;
    const int row = (y % size) * size;
    for (int tileX = x0 / size; tileX * size < x1; ++tileX) {
        const int from = std::max(x0, tileX * size);
        const int to = std::min(x1, (tileX + 1) * size);
        MaskTile& tile = touch(tileX, tileY);
        write(tile, row + from % size, to - from);
    }
    const QRect span(x0, y, x1 - x0, 1);
    m_pending |= span;
    m_area |= span;
}

void MaskPainter::paintPixels(MaskTile& tile, int offset, int count, const PaintSpec& spec) {
    // An unlabeled pixel has no source: erasing clears the provenance too, which keeps erased
    // tiles freeable and mask files (which store no provenance for unlabeled pixels) exact.
    const auto edited = quint8(spec.classId == Unlabeled ? Provenance::None : Provenance::Edited);
    // A person's label is certain (the heat map shows it clear); an erased pixel has no prediction.
    const quint8 certainty = spec.classId == Unlabeled ? 0 : 255;
    quint8* classes = tile.classes.data() + offset;
    quint8* provenance = tile.provenance.data() + offset;
    quint8* confidence = tile.confidence.empty() ? nullptr : tile.confidence.data() + offset;
    switch (spec.mode) {
    case PaintMode::Everything:
        std::memset(classes, spec.classId, size_t(count));
        std::memset(provenance, edited, size_t(count));
        if (confidence)
            std::memset(confidence, certainty, size_t(count));
        break;
    case PaintMode::OnlyUnlabeled:
    case PaintMode::OnlyClass: {
        const quint8 target = spec.mode == PaintMode::OnlyUnlabeled ? Unlabeled : spec.onlyClass;
        for (int i = 0; i < count; ++i) {
            if (classes[i] == target) {
                classes[i] = spec.classId;
                provenance[i] = edited;
                if (confidence)
                    confidence[i] = certainty;
            }
        }
        break;
    }
    }
}

void MaskPainter::paintSpan(int y, int x0, int x1, const PaintSpec& spec) {
    forSpan(y, x0, x1,
            [&](MaskTile& tile, int offset, int count) { paintPixels(tile, offset, count, spec); });
}

void MaskPainter::copySpan(int y, int x0, int x1, const LabelMask& source) {
    const LabelMask& mask = m_document->mask();
    x0 = std::max(x0, 0);
    x1 = std::min(x1, mask.width());
    if (source.size() != mask.size() || y < 0 || y >= mask.height() || x0 >= x1)
        return;
    std::vector<quint8> row(size_t(x1 - x0));
    source.readClasses(QRect(x0, y, x1 - x0, 1), row.data(), qsizetype(row.size()));
    size_t next = 0; // forSpan hands the pieces over left to right
    forSpan(y, x0, x1, [&](MaskTile& tile, int offset, int count) {
        for (int i = 0; i < count;) { // runs of one class, each painted as a person paints it
            int end = i + 1;
            while (end < count && row[next + size_t(end)] == row[next + size_t(i)])
                ++end;
            paintPixels(tile, offset + i, end - i, PaintSpec{row[next + size_t(i)]});
            i = end;
        }
        next += size_t(count);
    });
}

void MaskPainter::reviewSpan(int y, int x0, int x1) {
    // Unallocated tiles hold only unlabeled pixels: nothing to review there.
    const LabelMask& mask = m_document->mask();
    if (y < 0 || y >= mask.height())
        return;
    const int size = LabelMask::TileSize;
    const int from = std::max(0, x0) / size;
    const int to = std::min(x1, mask.width());
    for (int tileX = from; tileX * size < to; ++tileX) {
        if (!mask.tile(tileX, y / size))
            continue;
        forSpan(y, std::max(x0, tileX * size), std::min(x1, (tileX + 1) * size),
                [](MaskTile& tile, int offset, int count) {
                    for (int i = offset; i < offset + count; ++i) {
                        if (tile.classes[i] != Unlabeled) {
                            tile.provenance[i] = quint8(Provenance::Reviewed);
                            if (!tile.confidence.empty())
                                tile.confidence[i] = 255;
                        }
                    }
                });
    }
}

void MaskPainter::predictSpan(int y, int x0, int x1, const quint8* classes, const quint8* confidence,
                              bool overwriteHumanWork) {
    const int start = x0;
    int written = std::max(x0, 0); // forSpan clips; track where each piece starts in the input
    forSpan(y, x0, x1, [&](MaskTile& tile, int offset, int count) {
        const quint8* in = classes + (written - start);
        const quint8* conf = confidence ? confidence + (written - start) : nullptr;
        if (conf && tile.confidence.empty())
            tile.confidence.assign(MaskTile::Pixels, 0);
        for (int i = 0; i < count; ++i) {
            quint8& provenance = tile.provenance[size_t(offset + i)];
            if (!overwriteHumanWork && isHumanProvenance(provenance))
                continue;
            tile.classes[size_t(offset + i)] = in[i];
            provenance = quint8(in[i] == Unlabeled ? Provenance::None : Provenance::Predicted);
            if (conf)
                tile.confidence[size_t(offset + i)] = conf[i];
        }
        written += count;
    });
}

void MaskPainter::paintRegion(const RegionMask& region, const PaintSpec& spec) {
    const int width = region.bounds.width();
    for (int y = 0; y < region.bounds.height(); ++y) {
        const quint8* row = region.bits.data() + size_t(y) * size_t(width);
        int x = 0;
        while (x < width) {
            while (x < width && !row[x])
                ++x;
            const int start = x;
            while (x < width && row[x])
                ++x;
            if (x > start)
                paintSpan(region.bounds.top() + y, region.bounds.left() + start, region.bounds.left() + x,
                          spec);
        }
    }
}

void MaskPainter::flush() {
    if (!m_document || m_pending.isEmpty())
        return;
    const QRect pending = m_pending;
    m_pending = QRect();
    Q_EMIT m_document->changed(pending);
}

bool MaskPainter::commit() {
    if (!m_document)
        return false;
    flush();
    LabelMask& mask = m_document->editableMask();
    // A prediction's tiles go to the document's TileStore as they are committed: its undo step
    // then refers to them there, and they can leave memory when nobody looks at them.
    TileStore* store = m_machineWritten ? m_document->tileStore() : nullptr;
    QList<TileDiff> diffs;
    for (const Touched& touched : m_touched) {
        std::shared_ptr<const MaskTile> after = mask.tile(touched.tileX, touched.tileY);
        if (after && after->isBlank()) {
            mask.setTile(touched.tileX, touched.tileY, nullptr); // erased back to nothing
            after = nullptr;
        }
        const bool same = touched.before == after || (touched.before && after && *touched.before == *after);
        if (same) { // share the old one again
            mask.setTile(touched.tileX, touched.tileY, touched.before, touched.storedBefore);
            continue;
        }
        TileDiff diff{touched.tileX, touched.tileY, {}, {}};
        if (store && touched.storedBefore)
            diff.storedBefore = touched.storedBefore;
        else
            diff.before = TileCodec::encode(touched.before.get());
        if (store && after) {
            diff.storedAfter = store->put(after);
            mask.setTile(touched.tileX, touched.tileY, after, diff.storedAfter);
        } else {
            diff.after = TileCodec::encode(after.get());
        }
        diffs.append(std::move(diff));
    }
    const QRect area = m_area;
    LabelDocument* document = m_document;
    finish();
    if (diffs.isEmpty())
        return false;
    document->pushCommitted(std::move(diffs), m_text, area, m_mergeId, m_machineWritten);
    return true;
}

void MaskPainter::abort() {
    if (!m_document)
        return;
    LabelMask& mask = m_document->editableMask();
    for (const Touched& touched : m_touched)
        mask.setTile(touched.tileX, touched.tileY, touched.before, touched.storedBefore);
    m_pending = QRect();
    const QRect area = m_area;
    LabelDocument* document = m_document;
    finish();
    if (!area.isEmpty())
        Q_EMIT document->changed(area);
}

void MaskPainter::finish() {
    m_document->endPainter(this);
    m_document = nullptr;
    m_touched.clear();
    m_writable.clear();
}

} // namespace segstudio
