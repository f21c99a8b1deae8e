#pragma once

#include "annotation/label_document.h"
#include "ui/canvas_tool.h"

#include <QObject>
#include <QPointer>

namespace segstudio {

class MapCanvas;
class ToolSettings;
class PreparedEdit;

// One click fills a region with the current class: flood fill takes the contiguous region of
// the clicked pixel's class, the magic wand the contiguous pixels of similar image colour. Both
// search and paint on a worker, in a snapshot of the mask (runForDocument, PreparedEdit), and
// only put the finished tiles in place on the GUI thread, so the GUI never waits; both stay
// within the whole image when it is at most MaxWholeImagePixels, else within the part in view,
// so a click never walks a gigapixel mask. finished() follows every click that painted.
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
    void apply(LabelDocument* document, const PreparedEdit& edit, const QString& text);

    MapCanvas* m_canvas;
    ToolSettings* m_settings;
    Kind m_kind;
    QPointer<LabelDocument> m_document;
    bool m_running = false;
};

} // namespace segstudio
