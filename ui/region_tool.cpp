#include "ui/region_tool.h"

#include "annotation/label_document.h"
#include "annotation/mask_painter.h"
#include "annotation/mask_tools.h"
#include "annotation/prepared_edit.h"
#include "annotation/raster_source.h"
#include "annotation/smart_tools.h"
#include "ui/document_task.h"
#include "ui/map_canvas.h"
#include "ui/tool_settings.h"

#include <QKeyEvent>
#include <QPainter>
#include <cmath>

namespace segstudio {
namespace {

constexpr double CloseDistance = 6; // widget pixels from the first corner that close a polygon
constexpr int GrabCutIterations = 5;

} // namespace

RegionTool::RegionTool(MapCanvas* canvas, ToolSettings* settings, Kind kind, QObject* parent)
    : QObject(parent)
    , m_canvas(canvas)
    , m_settings(settings)
    , m_kind(kind) {
}

RegionTool::~RegionTool() = default;

void RegionTool::setDocument(LabelDocument* document) {
    cancel();
    m_document = document;
}

void RegionTool::press(QPointF image) {
    if (!m_document || m_running)
        return;
    if (m_kind == Kind::Polygon) {
        if (m_points.size() >= 3) {
            const QPointF first = m_canvas->view().imageToWidget(m_points.first());
            const QPointF here = m_canvas->view().imageToWidget(image);
            if (std::hypot(first.x() - here.x(), first.y() - here.y()) <= CloseDistance) {
                close();
                return;
            }
        }
        m_points.append(image);
        m_hover = image;
    } else {
        m_points = QPolygonF{image};
        m_dragging = true;
    }
    repaintOutline();
}

void RegionTool::move(QPointF image, bool dragging) {
    if (m_kind == Kind::Polygon) {
        if (!m_points.isEmpty()) {
            m_hover = image;
            repaintOutline();
        }
        return;
    }
    if (dragging && m_dragging) {
        // Half an image pixel or one screen pixel, whichever is larger: enough detail, few points.
        const double minStep = std::max(0.5, 1.0 / m_canvas->view().scale());
        const QPointF d = image - m_points.last();
        if (std::hypot(d.x(), d.y()) >= minStep) {
            m_points.append(image);
            repaintOutline();
        }
    }
}

void RegionTool::release(QPointF image) {
    if (m_kind == Kind::Polygon || !m_dragging)
        return;
    m_dragging = false;
    m_points.append(image);
    close();
}

void RegionTool::doubleClick(QPointF) {
    // The double-click's first press already added the corner.
    if (m_kind == Kind::Polygon)
        close();
}

bool RegionTool::key(QKeyEvent* event) {
    if (m_kind != Kind::Polygon || m_points.isEmpty())
        return false;
    if (event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter) {
        close();
        return true;
    }
    if (event->key() == Qt::Key_Backspace) {
        m_points.removeLast();
        repaintOutline();
        return true;
    }
    return false;
}

void RegionTool::cancel() {
    m_points.clear();
    m_dragging = false;
    repaintOutline();
}

void RegionTool::close() {
    const QPolygonF outline = m_points;
    m_points.clear();
    m_dragging = false;
    repaintOutline();
    if (outline.size() >= 3)
        apply(outline);
}

void RegionTool::apply(const QPolygonF& outline) {
    if (!m_document)
        return;
    switch (m_kind) {
    case Kind::Polygon:
    case Kind::Lasso: {
        MaskPainter painter(*m_document, m_kind == Kind::Polygon ? tr("Polygon") : tr("Lasso"));
        MaskTools::fillPolygon(painter, outline, m_settings->paintSpec(false));
        painter.commit();
        Q_EMIT finished();
        return;
    }
    case Kind::Review: {
        MaskPainter painter(*m_document, tr("Mark reviewed"));
        MaskTools::markReviewed(painter, m_document->mask(), outline);
        painter.commit();
        Q_EMIT finished();
        return;
    }
    case Kind::GrabCut:
        break;
    }
    const auto source = m_canvas->source();
    if (!source)
        return;
    // GrabCut reads the image and takes a while: a worker computes and paints a snapshot, the
    // GUI thread puts the tiles in place.
    m_running = true;
    Q_EMIT message(tr("GrabCut: finding the object's edge…"));
    runForDocument(
        this, m_document, [this] { return m_document.data(); },
        [mask = m_document->mask(), source, display = m_canvas->displaySettings(), outline,
         spec = m_settings->paintSpec(false)] {
            QString error;
            const RegionMask region =
                SmartTools::grabCut(*source, display, outline, GrabCutIterations, &error);
            return std::make_tuple(PreparedEdit::paint(mask, region, spec), region.count(), error);
        },
        [this](LabelDocument* document, const std::tuple<PreparedEdit, qint64, QString>& result) {
            m_running = false;
            if (!document)
                return; // another image was opened meanwhile: the result belongs to none
            const auto& [edit, pixels, error] = result;
            if (!error.isEmpty()) {
                Q_EMIT failed(error);
                return;
            }
            if (!document->applyPrepared(edit, tr("GrabCut"))) {
                Q_EMIT failed(tr("The mask changed while GrabCut ran; nothing was painted. Outline again."));
                return;
            }
            Q_EMIT message(tr("GrabCut: %1 pixels").arg(pixels));
            Q_EMIT finished();
        });
}

void RegionTool::repaintOutline() {
    QPolygonF shown = m_points;
    if (m_kind == Kind::Polygon && !m_points.isEmpty())
        shown.append(m_hover);
    const QRectF now = shown.isEmpty() ? QRectF() : m_canvas->widgetRectOfImageRect(shown.boundingRect());
    const QRectF area = now | m_paintedOutline;
    m_paintedOutline = now;
    if (!area.isNull())
        m_canvas->update(area.toAlignedRect().adjusted(-4, -4, 4, 4));
}

void RegionTool::paintOverlay(QPainter& painter) {
    if (m_points.isEmpty())
        return;
    QPolygonF widget;
    for (const QPointF& p : std::as_const(m_points))
        widget.append(m_canvas->view().imageToWidget(p));
    if (m_kind == Kind::Polygon)
        widget.append(m_canvas->view().imageToWidget(m_hover));
    painter.setRenderHint(QPainter::Antialiasing, true);
    painter.setPen(QPen(QColor(0, 0, 0, 200), 3));
    painter.drawPolyline(widget);
    QPen pen(m_kind == Kind::Review ? QColor(120, 255, 120) : QColor(255, 255, 255), 1, Qt::DashLine);
    painter.setPen(pen);
    painter.drawPolyline(widget);
    if (m_kind == Kind::Polygon) {
        painter.setBrush(Qt::white);
        for (qsizetype i = 0; i + 1 < widget.size(); ++i)
            painter.drawEllipse(widget[i], 2.5, 2.5);
    }
}

} // namespace segstudio
