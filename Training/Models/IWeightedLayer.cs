using SpikeFit.Training.Hardware;
using SpikeFit.Training.Models.Constraints;

namespace SpikeFit.Training.Models;

/// <summary>
/// A layer with a weight matrix [output channels, fan-in] (dense or convolutional), optionally
/// computed through a <see cref="WeightConstraint"/>. Compression, pruning, metrics and exports
/// work on this view.
/// </summary>
public interface IWeightedLayer : IPostUpdateLayer
{
    Parameter Weight { get; }
    Parameter Bias { get; }
    LayerKind Kind { get; }
    /// <summary>Rows of the weight matrix: dense outputs or conv output channels.</summary>
    int OutChannels { get; }
    /// <summary>Columns: dense inputs, or kernel·kernel·input channels.</summary>
    int FanIn { get; }
    WeightConstraint? Constraint { get; }

    /// <summary>The input of the last forward (for input spike rates and SOP counts).</summary>
    Activation? LastInput { get; }

    /// <summary>Ŵ as the forward pass uses it (host copy): the constraint's output, else W.</summary>
    float[] EffectiveWeights();
}
