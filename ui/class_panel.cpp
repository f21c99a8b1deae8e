#include "ui/class_panel.h"

#include "annotation/label_document.h"
#include "ui/mask_overlay.h"
#include "ui/tool_settings.h"

#include <QCheckBox>
#include <QColorDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QPainter>
#include <QPushButton>
#include <QSlider>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace segstudio {
namespace {

enum Column { NameColumn = 0, KeyColumn = 1 };
constexpr int IdRole = Qt::UserRole + 1;

QIcon swatch(const QColor& color) {
    QPixmap pixmap(14, 14);
    pixmap.fill(color);
    QPainter painter(&pixmap);
    painter.setPen(QColor(0, 0, 0, 120));
    painter.drawRect(0, 0, 13, 13);
    return QIcon(pixmap);
}

} // namespace

ClassPanel::ClassPanel(ToolSettings* settings, MaskOverlay* overlay, QWidget* parent)
    : QWidget(parent)
    , m_settings(settings)
    , m_overlay(overlay)
    , m_tree(new QTreeWidget(this))
    , m_opacity(new QSlider(Qt::Horizontal, this))
    , m_outline(new QCheckBox(tr("Outlines only"), this))
    , m_shown(new QCheckBox(tr("Show labels"), this)) {
    m_tree->setObjectName(QStringLiteral("classTree"));
    m_tree->setColumnCount(2);
    m_tree->setHeaderLabels({tr("Class"), tr("Key")});
    m_tree->setRootIsDecorated(false);
    m_tree->header()->setSectionResizeMode(NameColumn, QHeaderView::Stretch);
    m_tree->header()->setSectionResizeMode(KeyColumn, QHeaderView::ResizeToContents);
    m_tree->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);

    auto* add = new QPushButton(tr("Add"), this);
    add->setObjectName(QStringLiteral("addClass"));
    auto* rename = new QPushButton(tr("Rename"), this);
    auto* recolor = new QPushButton(tr("Colour…"), this);
    recolor->setObjectName(QStringLiteral("recolorClass"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(add);
    buttons->addWidget(rename);
    buttons->addWidget(recolor);

    m_opacity->setObjectName(QStringLiteral("overlayOpacity"));
    m_opacity->setRange(0, 100);
    m_opacity->setValue(int(overlay->opacity() * 100));
    m_outline->setObjectName(QStringLiteral("overlayOutline"));
    m_shown->setObjectName(QStringLiteral("overlayShown"));
    m_shown->setChecked(overlay->isShown());
    auto* overlayForm = new QFormLayout;
    overlayForm->addRow(tr("Opacity"), m_opacity);
    overlayForm->addRow(m_shown);
    overlayForm->addRow(m_outline);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_tree, 1);
    layout->addLayout(buttons);
    layout->addLayout(overlayForm);

    connect(add, &QPushButton::clicked, this, &ClassPanel::addClass);
    connect(rename, &QPushButton::clicked, this, &ClassPanel::renameSelected);
    connect(recolor, &QPushButton::clicked, this, &ClassPanel::recolorSelected);
    connect(m_opacity, &QSlider::valueChanged, this,
            [this](int value) { m_overlay->setOpacity(value / 100.0); });
    connect(m_outline, &QCheckBox::toggled, m_overlay, &MaskOverlay::setOutlineOnly);
    connect(m_shown, &QCheckBox::toggled, m_overlay, &MaskOverlay::setShown);
    connect(m_tree, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        if (item && !m_rebuilding)
            m_settings->setClassId(item->data(NameColumn, IdRole).toInt());
    });
    connect(m_tree, &QTreeWidget::itemChanged, this, [this](QTreeWidgetItem* item, int column) {
        if (m_rebuilding || !m_document || column != NameColumn)
            return;
        const int id = item->data(NameColumn, IdRole).toInt();
        const LabelClass* c = m_document->palette().find(id);
        if (!c)
            return;
        // Read the item first: either change rebuilds the list and deletes it.
        const bool visible = item->checkState(NameColumn) == Qt::Checked;
        const QString name = item->text(NameColumn).trimmed();
        if (visible != c->visible)
            m_document->setClassVisible(id, visible);
        if (!name.isEmpty() && name != m_document->palette().find(id)->name) {
            ClassPalette palette = m_document->palette();
            palette.setName(id, name);
            m_document->setPalette(palette, tr("Rename class"));
        }
    });
    connect(m_settings, &ToolSettings::changed, this, [this] {
        for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
            QTreeWidgetItem* item = m_tree->topLevelItem(i);
            if (item->data(NameColumn, IdRole).toInt() == m_settings->classId() &&
                m_tree->currentItem() != item) {
                m_rebuilding = true;
                m_tree->setCurrentItem(item);
                m_rebuilding = false;
            }
        }
    });
    setEnabled(false);
}

void ClassPanel::setDocument(LabelDocument* document) {
    if (m_document)
        disconnect(m_document, nullptr, this, nullptr);
    m_document = document;
    if (document)
        connect(document, &LabelDocument::paletteChanged, this, &ClassPanel::rebuild);
    setEnabled(document != nullptr);
    rebuild();
    if (document && !document->palette().contains(m_settings->classId()) && !document->palette().isEmpty())
        m_settings->setClassId(document->palette().classes().first().id);
}

void ClassPanel::rebuild() {
    m_rebuilding = true;
    // Items are updated in place when the class list keeps its ids and order: this runs from
    // inside the tree's own itemChanged(), where deleting the item would pull it from under Qt.
    const QList<LabelClass> classes = m_document ? m_document->palette().classes() : QList<LabelClass>();
    bool sameIds = m_tree->topLevelItemCount() == classes.size();
    for (int i = 0; sameIds && i < classes.size(); ++i)
        sameIds = m_tree->topLevelItem(i)->data(NameColumn, IdRole).toInt() == classes[i].id;
    if (!sameIds)
        m_tree->clear();
    if (m_document) {
        int position = 0;
        for (const LabelClass& c : classes) {
            QTreeWidgetItem* item = sameIds ? m_tree->topLevelItem(position) : new QTreeWidgetItem(m_tree);
            item->setFlags(item->flags() | Qt::ItemIsEditable | Qt::ItemIsUserCheckable);
            item->setText(NameColumn, c.name);
            item->setIcon(NameColumn, swatch(c.color));
            item->setCheckState(NameColumn, c.visible ? Qt::Checked : Qt::Unchecked);
            item->setToolTip(NameColumn,
                             tr("Class %1, %2. Untick to hide it.").arg(c.id).arg(c.color.name()));
            item->setData(NameColumn, IdRole, c.id);
            item->setText(KeyColumn, ++position <= 9 ? QString::number(position) : QString());
            if (c.id == m_settings->classId() && m_tree->currentItem() != item)
                m_tree->setCurrentItem(item);
        }
    }
    m_rebuilding = false;
}

int ClassPanel::selectedId() const {
    const QTreeWidgetItem* item = m_tree->currentItem();
    return item ? item->data(NameColumn, IdRole).toInt() : -1;
}

bool ClassPanel::selectClassAt(int position) {
    if (!m_document || position < 0 || position >= m_document->palette().size())
        return false;
    m_settings->setClassId(m_document->palette().classes()[position].id);
    return true;
}

void ClassPanel::addClass() {
    if (!m_document)
        return;
    ClassPalette palette = m_document->palette();
    const int id = palette.addClass(tr("Class %1").arg(palette.size() + 1), palette.suggestColor());
    if (id < 0)
        return;
    m_document->setPalette(palette, tr("Add class"));
    m_settings->setClassId(id);
    renameSelected();
}

void ClassPanel::renameSelected() {
    if (QTreeWidgetItem* item = m_tree->currentItem())
        m_tree->editItem(item, NameColumn);
}

void ClassPanel::recolorSelected() {
    const int id = selectedId();
    if (!m_document || id < 0)
        return;
    // Non-blocking: the dialog reports back through a signal.
    auto* dialog = new QColorDialog(m_document->palette().colorOf(id), this);
    dialog->setObjectName(QStringLiteral("classColorDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QColorDialog::colorSelected, this, [this, id](const QColor& color) {
        if (!m_document)
            return;
        ClassPalette palette = m_document->palette();
        if (palette.setColor(id, color) && palette != m_document->palette())
            m_document->setPalette(palette, tr("Recolour class"));
    });
    dialog->open();
}

} // namespace segstudio
