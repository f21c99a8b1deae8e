#pragma once

#include "annotation/mask_painter.h"

#include <QObject>

namespace segstudio {

// What the editing tools share: the class being painted, the brush diameter, the paint mode and
// the magic-wand tolerance. The toolbar and the class panel edit it; tools read it when they act.
class ToolSettings : public QObject {
    Q_OBJECT
public:
    explicit ToolSettings(QObject* parent = nullptr);

    int classId() const { return m_classId; }
    double brushDiameter() const { return m_diameter; }
    PaintMode mode() const { return m_mode; }
    int onlyClass() const { return m_onlyClass; }
    int tolerance() const { return m_tolerance; }
    // The spec a painting tool writes with (the eraser writes Unlabeled).
    PaintSpec paintSpec(bool erase) const;

    void setClassId(int id);
    void setBrushDiameter(double diameter); // clamped to 1-2000
    // `[` and `]`: about 15 % per press, at least one pixel.
    void growBrush();
    void shrinkBrush();
    void setMode(PaintMode mode, int onlyClass = 0);
    void setTolerance(int tolerance);

Q_SIGNALS:
    void changed();

private:
    int m_classId = 0;
    double m_diameter = 20;
    PaintMode m_mode = PaintMode::Everything;
    int m_onlyClass = 0;
    int m_tolerance = 24;
};

} // namespace segstudio
