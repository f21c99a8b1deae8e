#include "ui/fill_tool.h"

#include "annotation/label_document.h"
#include "annotation/mask_painter.h"
#include "annotation/mask_tools.h"
#include "annotation/raster_source.h"
#include "annotation/smart_tools.h"
#include "ui/map_canvas.h"
#include "ui/tool_settings.h"

#include <QFutureWatcher>
#include <QtConcurrent>
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
    if (m_kind == Kind::FloodFill) {
        MaskPainter painter(*m_document, tr("Fill"));
        MaskTools::floodFill(painter, m_document->mask(), seed, fillBounds(), m_settings->paintSpec(false));
        painter.commit();
        Q_EMIT finished();
        return;
    }
    const auto source = m_canvas->source();
    if (!source)
        return;
    m_running = true;
    auto* watcher = new QFutureWatcher<std::pair<RegionMask, QString>>(this);
    const QPointer<LabelDocument> requested = m_document;
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, requested] {
        watcher->deleteLater();
        m_running = false;
        if (!requested || requested != m_document)
            return; // another image was opened meanwhile: the result belongs to none
        const auto [region, error] = watcher->result();
        if (!error.isEmpty()) {
            Q_EMIT failed(error);
            return;
        }
        if (m_document && !region.isEmpty()) {
            MaskPainter painter(*m_document, tr("Magic wand"));
            painter.paintRegion(region, m_settings->paintSpec(false));
            painter.flush();
            painter.commit();
        }
        Q_EMIT finished();
    });
    watcher->setFuture(QtConcurrent::run([source, display = m_canvas->displaySettings(), seed,
                                          bounds = fillBounds(), tolerance = m_settings->tolerance()] {
        QString error;
        RegionMask region = SmartTools::magicWand(*source, display, seed, bounds, tolerance, &error);
        return std::make_pair(std::move(region), error);
    }));
}

} // namespace segstudio
