using SpikeFit.Training.Data;

namespace SpikeFit.Training.Train;

public static class DatasetSplits
{
    /// <summary>The dataset's train and test halves as trainer inputs (no copies).</summary>
    public static (DataSplit Train, DataSplit Test) Splits(this Dataset data) =>
        (new DataSplit(data.TrainImages, data.TrainLabels, data.Shape.Size),
         new DataSplit(data.TestImages, data.TestLabels, data.Shape.Size));
}
