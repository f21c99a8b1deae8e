#pragma once

#include "annotation/class_palette.h"

#include <QRect>
#include <QSize>
#include <QString>
#include <memory>
#include <vector>

namespace segstudio {

class SampleDecoder;

// Reads a mask file part by part, decoding its samples into class ids through a class list: one
// 8-bit band of class values (through its colour table when it has one) or 8-bit RGB(A) colours.
// MaskFiles::load builds a LabelMask from it; eval streams masks of any size through it in
// strips. Values or colours that fit no class are counted and reported, never guessed.
class MaskReader {
public:
    struct DatasetCloser {
        void operator()(void* dataset) const;
    };
    using Dataset = std::unique_ptr<void, DatasetCloser>;
    // A raster file opened for reading; a clear error when it is missing, a folder, refused by the
    // source policy or not a raster.
    static Dataset openRaster(const QString& path, QString* error);

    // `expectedSize` invalid (QSize()): any size; else another size is an error naming both.
    static std::unique_ptr<MaskReader> open(const QString& path, QSize expectedSize,
                                            const ClassPalette& palette, QString* error);
    ~MaskReader();

    QSize size() const { return m_size; }
    bool isIndexed() const { return m_indexed; }
    // Decodes `area` (inside the mask) into `classes`, area.width() bytes a row. False with
    // *error when the file cannot be read there; undecodable samples become unlabeled and count.
    bool read(const QRect& area, quint8* classes, QString* error);
    bool failed() const;         // some sample so far fits no class
    QString decodeError() const; // what fitted no class, how often, and what to do

private:
    MaskReader(QString path, Dataset dataset, QSize size, bool indexed, const ClassPalette& palette);

    QString m_path;
    Dataset m_dataset;
    QSize m_size;
    bool m_indexed;
    const ClassPalette m_palette;
    std::unique_ptr<SampleDecoder> m_decoder;
    std::vector<quint8> m_samples;
};

} // namespace segstudio
