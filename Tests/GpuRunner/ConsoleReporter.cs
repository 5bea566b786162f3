namespace SpikeFit.TestRunner;

/// <summary>Prints test outcomes as they arrive; failures with message and stack trace.</summary>
public sealed class ConsoleReporter(bool verbose)
{
    private readonly object _gate = new();

    /// <summary>A test passed (printed only when verbose).</summary>
    public void Passed(string name, decimal seconds)
    {
        if (!verbose) return;
        lock (_gate) Console.WriteLine($"[PASS] {name} ({seconds:F3} s)");
    }

    /// <summary>A test was skipped; the reason says which backend was missing and why.</summary>
    public void Skipped(string name, string reason)
    {
        lock (_gate) Console.WriteLine($"[SKIP] {name}\n       {reason}");
    }

    /// <summary>A test failed, or a fixture/cleanup failed outside any test.</summary>
    public void Failed(string name, string message, string? stack)
    {
        lock (_gate)
        {
            Console.WriteLine($"[FAIL] {name}");
            foreach (var line in message.Split('\n')) Console.WriteLine($"       {line.TrimEnd()}");
            if (!string.IsNullOrWhiteSpace(stack))
                foreach (var line in stack.Split('\n')) Console.WriteLine($"         {line.TrimEnd()}");
        }
    }
}
