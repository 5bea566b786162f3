using SpikeFit.Training.Models;

namespace SpikeFit.Experiments.M4.Methods;

/// <summary>
/// One method of the M = 4 comparison: how a compressed model is made from the shared FP32 warm
/// start with the shared fine-tune budget. A method is one class plus one registration line in
/// <see cref="M4Methods.CreateDefault"/>; the registry makes it a <c>reproduce m4</c> row and a sweep
/// method (<c>"method": "&lt;key&gt;"</c>) at once, and the runner measures every method's model the
/// same way (accuracy, unique values, size, energy, chip fit).
/// </summary>
public interface IM4Method
{
    /// <summary>The registry and grid name, e.g. <c>qat</c> (lower-case letters, digits, '-').</summary>
    string Key { get; }

    /// <summary>The <c>method</c> cell of runs.csv (the key, except the FP32 reference's <c>fp32</c>).</summary>
    string RowName => Key;

    /// <summary>reference, baseline, spikefit or pruning (how summary.md groups the rows).</summary>
    string Family { get; }

    /// <summary>One line for the README and <c>--help</c>: what the method does and which paper it follows.</summary>
    string Description { get; }

    /// <summary>Whether the grid's <c>bits</c> key sets this method's bit-width b (else <see cref="FixedBits"/>).</summary>
    bool UsesBits { get; }

    /// <summary>The bit-width recorded for a method that has no <c>bits</c> key (32 for float values).</summary>
    int FixedBits => 32;

    /// <summary>Whether the grid's <c>m</c> key sets the number of values (else <see cref="FixedM"/>).</summary>
    bool UsesM { get; }

    /// <summary>The number of values recorded for a method without an <c>m</c> key (0: unconstrained).</summary>
    int FixedM => 0;

    /// <summary>Whether the method prunes (reads <c>prune_keep</c>, <c>prune_rounds</c>, <c>prune_score_batches</c>).</summary>
    bool Prunes => false;

    /// <summary>Whether the method trains from the warm start (so <c>--tune</c> has a learning rate to choose); false for post-training methods.</summary>
    bool Trains => true;

    /// <summary>Whether the method has a temperature that <c>--tune</c> searches (<see cref="M4MethodRun.Temperature"/>; DKM).</summary>
    bool HasTemperature => false;

    /// <summary>
    /// Whether the method runs "for a chip" (grid key <c>chip</c>, <see cref="M4MethodRun.Chip"/>): its own
    /// constraint under the chip's masks (<see cref="M4MethodRun.Masked"/>), clustering only the synapses
    /// that remain (<see cref="M4MethodRun.KeepingAbsent"/>). False: the point refuses a chip.
    /// </summary>
    bool ChipVariants => false;

    /// <summary>The pruning criterion of a pruning method ("" otherwise), recorded in runs.csv.</summary>
    string Criterion => "";

    /// <summary>
    /// Makes the model to measure from the warm start (<see cref="M4MethodRun.Warm"/>), training it
    /// with <see cref="M4MethodRun.FineTune"/> where the method trains. The caller disposes it.
    /// </summary>
    SpikingNetwork Compress(M4MethodRun run);
}
