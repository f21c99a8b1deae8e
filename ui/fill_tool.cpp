#include "ui/fill_tool.h"

#include "annotation/label_document.h"
#include "annotation/mask_tools.h"
#include "annotation/prepared_edit.h"
#include "annotation/raster_source.h"
#include "annotation/smart_tools.h"
#include "ui/document_task.h"
#include "ui/map_canvas.h"
#include "ui/tool_settings.h"

#include <cmath>

namespace segstudio {

FillTool::FillTool(MapCanvas* canvas, ToolSettings* settings, Kind kind, QObject* parent)
    : QObject(parent)
    , m_canvas(canvas)
    , m_settings(settings)
    , m_kind(kind) {
}

void FillTool::setDocument(LabelDocument* document) {
    m_document = document;
}

QRect FillTool::fillBounds() const {
    const QRect image = m_document->mask().rect();
    if (qint64(image.width()) * image.height() <= MaxWholeImagePixels)
        return image;
    return m_canvas->view().visibleImageRect().toAlignedRect().intersected(image);
}

void FillTool::fillAt(QPointF image) {
    if (!m_document || m_running)
        return;
    const QPoint seed(int(std::floor(image.x())), int(std::floor(image.y())));
    if (!m_document->mask().rect().contains(seed))
        return;
    const auto current = [this] { return m_document.data(); };
    const QRect bounds = fillBounds();
    const PaintSpec spec = m_settings->paintSpec(false);
    // Up to 64 Mpx: searched and painted on a worker in a snapshot of the mask (its tiles are
    // shared, so the copy is free), put in place here in one step.
    m_running = true;
    if (m_kind == Kind::FloodFill) {
        runForDocument(
            this, m_document, current,
            [mask = m_document->mask(), seed, bounds, spec] {
                return PreparedEdit::paint(mask, MaskTools::contiguousRegion(mask, seed, bounds), spec);
            },
            [this](LabelDocument* document, const PreparedEdit& edit) { apply(document, edit, tr("Fill")); });
        return;
    }
    const auto source = m_canvas->source();
    if (!source) {
        m_running = false;
        return;
    }
    runForDocument(
        this, m_document, current,
        [mask = m_document->mask(), source, display = m_canvas->displaySettings(), seed, bounds, spec,
         tolerance = m_settings->tolerance()] {
            QString error;
            const RegionMask region =
                SmartTools::magicWand(*source, display, seed, bounds, tolerance, &error);
            return std::make_pair(PreparedEdit::paint(mask, region, spec), error);
        },
        [this](LabelDocument* document, const std::pair<PreparedEdit, QString>& result) {
            if (document && !result.second.isEmpty()) {
                m_running = false;
                Q_EMIT failed(result.second);
                return;
            }
            apply(document, result.first, tr("Magic wand"));
        });
}

void FillTool::apply(LabelDocument* document, const PreparedEdit& edit, const QString& text) {
    m_running = false;
    if (!document)
        return; // another image was opened meanwhile: the result belongs to none
    if (!document->applyPrepared(edit, text)) {
        Q_EMIT failed(tr("The mask changed while the %1 was computed; nothing was painted. Click again.")
                          .arg(text.toLower()));
        return;
    }
    Q_EMIT finished();
}

} // namespace segstudio
