#pragma once

#include "annotation/label_document.h"

#include <QPointer>
#include <QWidget>

class QCheckBox;
class QSlider;
class QTreeWidget;
class QTreeWidgetItem;

namespace segstudio {

class MaskOverlay;
class ToolSettings;

// The "Classes" dock: the document's classes with their colour, key (1-9) and visibility; the
// selected row is the class the tools paint. Add, rename (double-click or F2) and recolour go
// through the document as undoable edits; hiding a class only changes the view. Below, the
// overlay controls: show/hide, opacity, outlines only.
class ClassPanel : public QWidget {
    Q_OBJECT
public:
    ClassPanel(ToolSettings* settings, MaskOverlay* overlay, QWidget* parent = nullptr);

    void setDocument(LabelDocument* document);
    // Picks the n-th class in display order (keys 1-9); false when there is none.
    bool selectClassAt(int position);

    QTreeWidget* tree() const { return m_tree; }
    QSlider* opacitySlider() const { return m_opacity; }

public Q_SLOTS:
    void addClass();
    void renameSelected();
    void recolorSelected();

private:
    void rebuild();
    int selectedId() const;

    ToolSettings* m_settings;
    MaskOverlay* m_overlay;
    QPointer<LabelDocument> m_document;
    QTreeWidget* m_tree;
    QSlider* m_opacity;
    QCheckBox* m_outline;
    QCheckBox* m_shown;
    bool m_rebuilding = false;
};

} // namespace segstudio
