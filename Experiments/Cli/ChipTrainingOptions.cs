using System.CommandLine;
using SpikeFit.Training.Hardware;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
using SpikeFit.Training.Train;

namespace SpikeFit.Experiments.Cli;

/// <summary>
/// <c>train</c>'s chip-layout options (DESIGN §4b–d), parsed and checked together: the value constraint
/// (CAT with its scope, or TrueNorth's axon types) and the connectivity budgets that wrap it. Refuses
/// combinations that mean nothing, naming the option and the fix.
/// </summary>
public sealed record ChipTrainingOptions(ConstraintSpec? ValueConstraint, int? FanIn, int? CoreInputs, int? CoreNeurons, bool Revise, bool OnlyOverBudget = false)
{
    /// <summary>A connectivity mask wraps the value constraint.</summary>
    public bool HasMask => FanIn is not null || CoreInputs is not null;

    public static ChipTrainingOptions Parse(ParseResult parse, Option<int?> codebookM, Option<int> codebookBits, Option<bool> perNeuron,
        Option<bool> wholeNetwork, Option<float> codebookLr, Option<string?> scope, Option<int?> fanIn, Option<int?> coreInputs,
        Option<int?> coreNeurons, Option<bool> trueNorth, Option<string?> maskSchedule)
    {
        int? k = parse.GetValue(fanIn), a = parse.GetValue(coreInputs), p = parse.GetValue(coreNeurons);
        foreach (var (o, v) in new (Option, int?)[] { (fanIn, k), (coreInputs, a), (coreNeurons, p) })
            if (v is < 1) throw new ArgumentException($"{o.Name} must be at least 1, got {v}.");
        string? scopeName = parse.GetValue(scope);
        bool tn = parse.GetValue(trueNorth);
        if (scopeName is not null && (parse.GetValue(perNeuron) || parse.GetValue(wholeNetwork)))
            throw new ArgumentException("--codebook-scope replaces --codebook-per-neuron and --codebook-whole-network; give only --codebook-scope.");
        if (tn && parse.GetValue(codebookM) is not null)
            throw new ArgumentException("--truenorth fixes the values (4 axon types, 9-bit values per neuron); it does not train a CAT codebook. Leave out --codebook-m or --truenorth.");
        if (a is not null && p is null)
            throw new ArgumentException("--core-inputs A limits the inputs of each core: give the neurons per core too (--core-neurons P, e.g. 256).");
        bool coreScope = scopeName == "core";
        if (p is not null && a is null && !coreScope && !tn)
            throw new ArgumentException("--core-neurons P is the core size of --core-inputs, --codebook-scope core or --truenorth; add one of them or leave it out.");
        if (coreScope && p is null)
            throw new ArgumentException("--codebook-scope core needs the neurons per core: add --core-neurons P.");
        bool revise = parse.GetValue(maskSchedule) is { } schedule ? schedule == "epoch" : RevisesByDefault(tn);
        if (parse.GetValue(maskSchedule) is not null && k is null && a is null)
            throw new ArgumentException("--mask-schedule applies to the masks of --fan-in and --core-inputs; add one of them or leave it out.");

        ConstraintSpec? value = null;
        if (parse.GetValue(codebookM) is int m)
            value = new CodebookSpec(m, parse.GetValue(codebookBits), scopeName == "neuron" || parse.GetValue(perNeuron), parse.GetValue(codebookLr),
                WholeNetwork: scopeName == "network" || parse.GetValue(wholeNetwork), NeuronsPerCore: coreScope ? p!.Value : 0);
        else if (tn)
            value = new TrueNorthSpec(NeuronsPerCore: p ?? 256);
        return new ChipTrainingOptions(value, k, a, p, revise);
    }

    /// <summary>
    /// Whether masks are revised during fine-tuning when no --mask-schedule is given. TrueNorth keeps the
    /// warm start's mask: revising the core input sets under shared axon types lost accuracy (P = 2,
    /// A = 256 smoke run: 51.55 % revised vs 80.05 % fixed; DESIGN §4d).
    /// </summary>
    public static bool RevisesByDefault(bool trueNorth) => !trueNorth;

    /// <summary>The options <c>deploy</c> trains with for a chip's plan: the same as <c>train</c> given the plan's budgets by hand, default mask schedule.</summary>
    public static ChipTrainingOptions ForPlan(ChipPlan plan) =>
        new(plan.Value, plan.FanIn, plan.CoreInputs, plan.CoreInputs is null ? null : plan.NeuronsPerCore, RevisesByDefault(plan.Value is TrueNorthSpec), plan.OnlyOverBudget);

    /// <summary>
    /// The constraint to train: <paramref name="value"/>, wrapped in a <see cref="ConnectivitySpec"/> when a
    /// budget is set. Mask revisions run after every epoch but the last (every <paramref name="batchesPerEpoch"/>
    /// optimiser steps, up to the start of the last epoch), so the last epoch fine-tunes under the frozen
    /// mask. TrueNorth's axon types stay as fitted to the warm start (4-means per core): reassigning them
    /// during fine-tuning did not help in smoke runs (DESIGN §4d), so train does not.
    /// </summary>
    public ConstraintSpec? Constraint(ConstraintSpec? value, TrainOptions options, int batchesPerEpoch)
    {
        int every = Revise && options.Epochs > 1 ? batchesPerEpoch : 0;
        int until = every > 0 ? (options.Epochs - 1) * batchesPerEpoch : 0;
        if (!HasMask) return value;
        return new ConnectivitySpec(value, FanIn ?? 0, CoreInputs ?? 0, CoreInputs is null ? 0 : CoreNeurons ?? 0, every, until, OnlyOverBudget);
    }
}
