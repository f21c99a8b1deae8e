#pragma once

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QSpinBox;

namespace segstudio {

// Model and learning preferences (Settings: device and precision, prediction window, overlap,
// batch, CPU threads and test-time views; the steps, learning rate and weight of edited pixels
// used by "Learn from corrections"; whether files may read from servers). Shows Settings::load(), writes
// Settings::save() on OK.
class PreferencesDialog : public QDialog {
    Q_OBJECT
public:
    // `devices`: what the machine offers besides "auto" and "cpu" (e.g. "cuda:0").
    explicit PreferencesDialog(const QStringList& devices, QWidget* parent = nullptr);

    void accept() override;

private:
    QComboBox* m_device;
    QComboBox* m_precision;
    QSpinBox* m_tile;
    QSpinBox* m_overlap;
    QSpinBox* m_batch;
    QSpinBox* m_threads;
    QComboBox* m_views;
    QSpinBox* m_steps;
    QDoubleSpinBox* m_learningRate;
    QDoubleSpinBox* m_editedWeight;
    QCheckBox* m_allowNetwork;
};

} // namespace segstudio
