using SpikeFit.Training.Train;

namespace SpikeFit.Tests.Training;

/// <summary>Small learnable data for training tests: 10 class prototypes on 28×28 plus noise.</summary>
public static class TrainingFixtures
{
    /// <summary>
    /// Images on the 8-bit grid real images come on (k/255), which the deployed integer path reads, so a
    /// float-vs-integer comparison sees the same input and any difference is the integer arithmetic's.
    /// </summary>
    public static float[] OnPixelGrid(float[] images) => images.Select(x => MathF.Round(x * 255f) / 255f).ToArray();

    public static (DataSplit Train, DataSplit Test) Prototypes(int train, int test, int seed = 7)
    {
        var rng = new Random(seed);
        const int f = 28 * 28, classes = 10;
        var protos = new float[classes][];
        for (int c = 0; c < classes; c++)
        {
            protos[c] = new float[f];
            for (int i = 0; i < f; i++) protos[c][i] = rng.NextDouble() < 0.25 ? 1f : 0f;
        }
        DataSplit Make(int n)
        {
            var x = new float[n * f];
            var y = new int[n];
            for (int s = 0; s < n; s++)
            {
                int c = rng.Next(classes);
                y[s] = c;
                for (int i = 0; i < f; i++)
                    x[s * f + i] = Math.Clamp(protos[c][i] * 0.8f + (float)rng.NextDouble() * 0.4f, 0f, 1f);
            }
            return new DataSplit(x, y, f);
        }
        return (Make(train), Make(test));
    }
}
