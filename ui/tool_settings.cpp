#include "ui/tool_settings.h"

#include "annotation/mask_tools.h"

#include <algorithm>
#include <cmath>

namespace segstudio {

ToolSettings::ToolSettings(QObject* parent)
    : QObject(parent) {
}

PaintSpec ToolSettings::paintSpec(bool erase) const {
    PaintSpec spec;
    spec.classId = erase ? Unlabeled : quint8(m_classId);
    spec.mode = m_mode;
    spec.onlyClass = quint8(m_onlyClass);
    if (erase && m_mode == PaintMode::OnlyUnlabeled)
        spec.mode = PaintMode::Everything; // erasing only unlabeled pixels would do nothing
    return spec;
}

void ToolSettings::setClassId(int id) {
    if (id == m_classId)
        return;
    m_classId = id;
    Q_EMIT changed();
}

void ToolSettings::setBrushDiameter(double diameter) {
    diameter = std::clamp(std::round(diameter), MaskTools::MinBrushDiameter, MaskTools::MaxBrushDiameter);
    if (diameter == m_diameter)
        return;
    m_diameter = diameter;
    Q_EMIT changed();
}

void ToolSettings::growBrush() {
    setBrushDiameter(std::max(m_diameter + 1, m_diameter * 1.15));
}

void ToolSettings::shrinkBrush() {
    setBrushDiameter(std::min(m_diameter - 1, m_diameter / 1.15));
}

void ToolSettings::setMode(PaintMode mode, int onlyClass) {
    if (mode == m_mode && onlyClass == m_onlyClass)
        return;
    m_mode = mode;
    m_onlyClass = onlyClass;
    Q_EMIT changed();
}

void ToolSettings::setTolerance(int tolerance) {
    tolerance = std::clamp(tolerance, 0, 255);
    if (tolerance == m_tolerance)
        return;
    m_tolerance = tolerance;
    Q_EMIT changed();
}

} // namespace segstudio
