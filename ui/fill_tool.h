#pragma once

#include "annotation/label_document.h"
#include "ui/canvas_tool.h"

#include <QObject>
#include <QPointer>

namespace segstudio {

class MapCanvas;
class ToolSettings;

// One click fills a region with the current class: flood fill takes the contiguous region of
// the clicked pixel's class (mask only, instant); the magic wand takes the contiguous pixels of
// similar image colour (reads the image, so it runs on a worker and paints when done). Both
// stay within the whole image when it is at most MaxWholeImagePixels, else within the part in
// view, so a click never walks a gigapixel mask.
class FillTool : public QObject, public CanvasTool {
    Q_OBJECT
public:
    enum class Kind { FloodFill, MagicWand };
    static constexpr qint64 MaxWholeImagePixels = 64ll * 1024 * 1024;

    FillTool(MapCanvas* canvas, ToolSettings* settings, Kind kind, QObject* parent = nullptr);

    void setDocument(LabelDocument* document);
    Kind kind() const { return m_kind; }
    // Fills from `image` as a click there does.
    void fillAt(QPointF image);

    void press(QPointF image) override { fillAt(image); }
    void move(QPointF, bool) override {}
    void release(QPointF) override {}
    void cancel() override {}
    bool isBusy() const override { return m_running; }

Q_SIGNALS:
    void failed(const QString& text);
    void finished();

private:
    QRect fillBounds() const;

    MapCanvas* m_canvas;
    ToolSettings* m_settings;
    Kind m_kind;
    QPointer<LabelDocument> m_document;
    bool m_running = false;
};

} // namespace segstudio
