#include "ui/tool_box.h"

#include "ui/brush_tool.h"
#include "ui/class_panel.h"
#include "ui/fill_tool.h"
#include "ui/map_canvas.h"
#include "ui/region_tool.h"
#include "ui/tool_settings.h"

#include <QAction>
#include <QActionGroup>
#include <QComboBox>
#include <QLabel>
#include <QSpinBox>
#include <QToolBar>

namespace segstudio {

ToolBox::ToolBox(MapCanvas* canvas, ToolSettings* settings, ClassPanel* classes, QWidget* window)
    : QObject(window)
    , m_canvas(canvas)
    , m_settings(settings)
    , m_classes(classes)
    , m_brush(new BrushTool(canvas, settings, BrushTool::Kind::Paint, this))
    , m_eraser(new BrushTool(canvas, settings, BrushTool::Kind::Erase, this))
    , m_comparisonBrush(new BrushTool(canvas, settings, BrushTool::Kind::TakeComparison, this))
    , m_polygon(new RegionTool(canvas, settings, RegionTool::Kind::Polygon, this))
    , m_lasso(new RegionTool(canvas, settings, RegionTool::Kind::Lasso, this))
    , m_grabCut(new RegionTool(canvas, settings, RegionTool::Kind::GrabCut, this))
    , m_review(new RegionTool(canvas, settings, RegionTool::Kind::Review, this))
    , m_fill(new FillTool(canvas, settings, FillTool::Kind::FloodFill, this))
    , m_wand(new FillTool(canvas, settings, FillTool::Kind::MagicWand, this))
    , m_group(new QActionGroup(this)) {
    addToolAction(Tool::Navigate, tr("Navigate"), Qt::Key_H, tr("Drag to pan"));
    addToolAction(Tool::Brush, tr("Brush"), Qt::Key_B, tr("Paint the current class"));
    addToolAction(Tool::Eraser, tr("Eraser"), Qt::Key_E, tr("Make pixels unlabeled"));
    addToolAction(Tool::Polygon, tr("Polygon"), Qt::Key_P,
                  tr("Click corners; double-click, Enter or the first corner fills"));
    addToolAction(Tool::Lasso, tr("Lasso"), Qt::Key_L, tr("Drag an outline to fill"));
    addToolAction(Tool::Fill, tr("Fill"), Qt::Key_F, tr("Fill the contiguous region of one class"));
    addToolAction(Tool::Wand, tr("Magic wand"), Qt::Key_W, tr("Fill the contiguous area of similar colour"));
    addToolAction(Tool::GrabCut, tr("GrabCut"), Qt::Key_G,
                  tr("Drag a rough outline; the object's edge is found"));
    addToolAction(Tool::Review, tr("Review"), Qt::Key_R, tr("Drag an outline to mark its labels reviewed"));
    addToolAction(Tool::TakeComparison, tr("Comparison brush"), Qt::Key_T,
                  tr("Paint the comparison layer's labels (View ▸ Compare With… first)"));
    action(Tool::Navigate)->setChecked(true);

    for (int i = 1; i <= 9; ++i) {
        auto* pick = new QAction(tr("Class %1").arg(i), this);
        pick->setShortcut(QKeySequence(Qt::Key_0 + i));
        connect(pick, &QAction::triggered, this, [this, i] { m_classes->selectClassAt(i - 1); });
        m_allActions.append(pick);
    }
    auto* grow = new QAction(tr("Larger brush"), this);
    grow->setShortcut(QKeySequence(Qt::Key_BracketRight));
    connect(grow, &QAction::triggered, settings, &ToolSettings::growBrush);
    auto* shrink = new QAction(tr("Smaller brush"), this);
    shrink->setShortcut(QKeySequence(Qt::Key_BracketLeft));
    connect(shrink, &QAction::triggered, settings, &ToolSettings::shrinkBrush);
    auto* escape = new QAction(tr("Cancel"), this);
    escape->setObjectName(QStringLiteral("cancelEdit"));
    escape->setShortcut(QKeySequence(Qt::Key_Escape));
    connect(escape, &QAction::triggered, this, [this] {
        if (CanvasTool* tool = m_canvas->tool())
            tool->cancel();
    });
    m_allActions << grow << shrink << escape;

    for (RegionTool* tool : {m_polygon, m_lasso, m_grabCut, m_review}) {
        connect(tool, &RegionTool::message, this, &ToolBox::message);
        connect(tool, &RegionTool::failed, this, &ToolBox::failed);
    }
    for (FillTool* tool : {m_fill, m_wand})
        connect(tool, &FillTool::failed, this, &ToolBox::failed);
    connect(settings, &ToolSettings::changed, this, [this] {
        if (m_sizeBox)
            m_sizeBox->setValue(int(m_settings->brushDiameter()));
        if (m_toleranceBox)
            m_toleranceBox->setValue(m_settings->tolerance());
    });
}

ToolBox::~ToolBox() = default;

QAction* ToolBox::addToolAction(Tool tool, const QString& text, const QKeySequence& key, const QString& tip) {
    auto* action = new QAction(text, this);
    action->setObjectName(QStringLiteral("tool") + QString(text).remove(QLatin1Char(' ')));
    action->setCheckable(true);
    action->setShortcut(key);
    action->setToolTip(QStringLiteral("%1 (%2): %3").arg(text, key.toString(QKeySequence::NativeText), tip));
    action->setData(int(tool));
    m_group->addAction(action);
    connect(action, &QAction::triggered, this, [this, tool] { setTool(tool); });
    m_toolActions.append(action);
    m_allActions.append(action);
    return action;
}

QAction* ToolBox::action(Tool tool) const {
    return m_toolActions.value(int(tool));
}

void ToolBox::setDocument(LabelDocument* document) {
    if (m_document)
        disconnect(m_document, nullptr, this, nullptr);
    m_document = document;
    m_brush->setDocument(document);
    m_eraser->setDocument(document);
    m_comparisonBrush->setDocument(document);
    for (RegionTool* tool : {m_polygon, m_lasso, m_grabCut, m_review})
        tool->setDocument(document);
    m_fill->setDocument(document);
    m_wand->setDocument(document);
    if (document)
        connect(document, &LabelDocument::paletteChanged, this, &ToolBox::rebuildModeBox);
    rebuildModeBox();
    for (QAction* a : std::as_const(m_toolActions))
        a->setEnabled(document || a->data().toInt() == int(Tool::Navigate));
    action(Tool::TakeComparison)->setEnabled(document && m_hasComparison);
    if (!document)
        setTool(Tool::Navigate);
}

void ToolBox::setComparison(std::shared_ptr<const LabelMask> comparison) {
    m_hasComparison = comparison != nullptr;
    m_comparisonBrush->setSource(std::move(comparison));
    action(Tool::TakeComparison)->setEnabled(m_document && m_hasComparison);
    if (!m_hasComparison && m_tool == Tool::TakeComparison)
        setTool(Tool::Navigate);
}

void ToolBox::setTool(Tool tool) {
    m_tool = tool;
    action(tool)->setChecked(true);
    CanvasTool* canvasTool = nullptr;
    switch (tool) {
    case Tool::Navigate:
        break;
    case Tool::Brush:
        canvasTool = m_brush;
        break;
    case Tool::Eraser:
        canvasTool = m_eraser;
        break;
    case Tool::TakeComparison:
        canvasTool = m_comparisonBrush;
        break;
    case Tool::Polygon:
        canvasTool = m_polygon;
        break;
    case Tool::Lasso:
        canvasTool = m_lasso;
        break;
    case Tool::Fill:
        canvasTool = m_fill;
        break;
    case Tool::Wand:
        canvasTool = m_wand;
        break;
    case Tool::GrabCut:
        canvasTool = m_grabCut;
        break;
    case Tool::Review:
        canvasTool = m_review;
        break;
    }
    m_canvas->setTool(m_document ? canvasTool : nullptr);
}

QToolBar* ToolBox::createToolBar(QWidget* parent) {
    auto* toolbar = new QToolBar(tr("Tools"), parent);
    toolbar->setObjectName(QStringLiteral("toolsToolbar"));
    toolbar->addActions(m_toolActions);
    toolbar->addSeparator();
    toolbar->addWidget(new QLabel(tr(" Size "), toolbar));
    m_sizeBox = new QSpinBox(toolbar);
    m_sizeBox->setObjectName(QStringLiteral("brushSize"));
    m_sizeBox->setRange(1, 2000);
    m_sizeBox->setSuffix(tr(" px"));
    m_sizeBox->setToolTip(tr("Brush diameter ([ and ] change it)"));
    m_sizeBox->setValue(int(m_settings->brushDiameter()));
    connect(m_sizeBox, &QSpinBox::valueChanged, m_settings, &ToolSettings::setBrushDiameter);
    toolbar->addWidget(m_sizeBox);
    m_modeBox = new QComboBox(toolbar);
    m_modeBox->setObjectName(QStringLiteral("paintMode"));
    m_modeBox->setToolTip(tr("Which pixels painting may change"));
    connect(m_modeBox, &QComboBox::activated, this, [this](int index) {
        const int data = m_modeBox->itemData(index).toInt();
        if (data == -1)
            m_settings->setMode(PaintMode::Everything);
        else if (data == -2)
            m_settings->setMode(PaintMode::OnlyUnlabeled);
        else
            m_settings->setMode(PaintMode::OnlyClass, data);
    });
    toolbar->addWidget(m_modeBox);
    toolbar->addWidget(new QLabel(tr(" Tolerance "), toolbar));
    m_toleranceBox = new QSpinBox(toolbar);
    m_toleranceBox->setObjectName(QStringLiteral("wandTolerance"));
    m_toleranceBox->setRange(0, 255);
    m_toleranceBox->setToolTip(tr("Magic wand: largest colour difference from the clicked pixel"));
    m_toleranceBox->setValue(m_settings->tolerance());
    connect(m_toleranceBox, &QSpinBox::valueChanged, m_settings, &ToolSettings::setTolerance);
    toolbar->addWidget(m_toleranceBox);
    rebuildModeBox();
    return toolbar;
}

void ToolBox::rebuildModeBox() {
    if (!m_modeBox)
        return;
    m_modeBox->clear();
    m_modeBox->addItem(tr("Paint over everything"), -1);
    m_modeBox->addItem(tr("Only over unlabeled"), -2);
    if (m_document) {
        for (const LabelClass& c : m_document->palette().classes())
            m_modeBox->addItem(tr("Only over %1").arg(c.name), c.id);
    }
    int current = 0;
    if (m_settings->mode() == PaintMode::OnlyUnlabeled)
        current = 1;
    else if (m_settings->mode() == PaintMode::OnlyClass)
        current = std::max(0, m_modeBox->findData(m_settings->onlyClass()));
    m_modeBox->setCurrentIndex(current);
}

} // namespace segstudio
