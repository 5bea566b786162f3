using System.CommandLine;

namespace SpikeFit.Experiments.Commands;

/// <summary><c>spikefit reproduce ...</c>: the reproduction experiments, one subcommand each.</summary>
public static class ReproduceCommand
{
    public static Command Create()
    {
        var reproduce = new Command("reproduce", "Reproduce a paper's tables and plots; results under results/<experiment>/<preset>/");
        reproduce.Subcommands.Add(ReproduceM4Command.Create());
        reproduce.Subcommands.Add(ReproduceHopfieldCommand.Create());
        return reproduce;
    }
}
