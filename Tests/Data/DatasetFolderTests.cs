using System.Security.Cryptography;
using SpikeFit.Training.Data;

namespace SpikeFit.Tests.Data;

public class DatasetFolderTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    static string Path(string folder, IdxFileRole role, bool gzip = true) =>
        System.IO.Path.Combine(folder, KnownDatasets.FileName(role) + (gzip ? ".gz" : ""));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Loads_a_folder_with_digests_and_shape(bool gzip)
    {
        var payloads = IdxFixtures.WriteDataset(_dir.Path, seed: Environment.TickCount, gzip);

        var data = DatasetFolder.Load("fixture", _dir.Path, "test", expectedSha256: IdxFixtures.Digests(payloads));

        Assert.Equal((12, 5), (data.TrainCount, data.TestCount));
        Assert.Equal(new ImageShape(4, 3, 1), data.Shape);
        Assert.Equal(12 * 12, data.TrainImages.Length);
        Assert.Equal(payloads[IdxFileRole.TestImages][16] / 255f, data.TestImages[0]);
        Assert.Equal(payloads[IdxFileRole.TrainLabels].Skip(8).Select(b => (int)b), data.TrainLabels);
        Assert.True(data.Verified);
        Assert.Equal(IdxFixtures.Digests(payloads), data.FileSha256);
        var concatenated = KnownDatasets.Roles.SelectMany(r => payloads[r]).ToArray();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(concatenated)), data.Sha256);
        Assert.Equal(System.IO.Path.GetFullPath(_dir.Path), data.SourceFolder);
    }

    [Fact]
    public void Without_digests_the_data_is_loaded_unverified()
    {
        IdxFixtures.WriteDataset(_dir.Path, seed: 3);
        var data = DatasetFolder.Load("fixture", _dir.Path, "test");
        Assert.False(data.Verified);
        Assert.Contains("not verified", data.Describe());
    }

    [Fact]
    public void Image_and_label_counts_that_disagree_name_both_files()
    {
        var payloads = IdxFixtures.Payloads(seed: 4);
        payloads[IdxFileRole.TrainLabels] = IdxFixtures.Labels(11, 10, 9);
        IdxFixtures.Write(_dir.Path, payloads);
        var e = Assert.Throws<InvalidDataException>(() => DatasetFolder.Load("fixture", _dir.Path, "test"));
        Assert.Contains(Path(_dir.Path, IdxFileRole.TrainImages), e.Message);
        Assert.Contains(Path(_dir.Path, IdxFileRole.TrainLabels), e.Message);
        Assert.Contains("12 images", e.Message);
        Assert.Contains("11 labels", e.Message);
    }

    [Fact]
    public void Train_and_test_image_sizes_that_disagree_name_both_files()
    {
        var payloads = IdxFixtures.Payloads(seed: 5);
        payloads[IdxFileRole.TestImages] = IdxFixtures.Images(5, 3, 3, 9);
        IdxFixtures.Write(_dir.Path, payloads, gzip: false);
        var e = Assert.Throws<InvalidDataException>(() => DatasetFolder.Load("fixture", _dir.Path, "test"));
        Assert.Contains(Path(_dir.Path, IdxFileRole.TrainImages, false), e.Message);
        Assert.Contains(Path(_dir.Path, IdxFileRole.TestImages, false), e.Message);
        Assert.Contains("4×3", e.Message);
        Assert.Contains("3×3", e.Message);
    }

    [Fact]
    public void A_file_that_fails_its_digest_is_named()
    {
        var payloads = IdxFixtures.WriteDataset(_dir.Path, seed: 6);
        var digests = IdxFixtures.Digests(payloads);
        digests[IdxFileRole.TestLabels] = new string('0', 64);
        var e = Assert.Throws<InvalidDataException>(() => DatasetFolder.Load("fixture", _dir.Path, "test", expectedSha256: digests));
        Assert.Contains(Path(_dir.Path, IdxFileRole.TestLabels), e.Message);
        Assert.Contains("SHA-256", e.Message);
    }

    [Fact]
    public void A_corrupt_file_in_the_folder_is_reported_unwrapped()
    {
        var payloads = IdxFixtures.WriteDataset(_dir.Path, seed: 7);
        File.WriteAllBytes(Path(_dir.Path, IdxFileRole.TestImages), IdxFixtures.Gzip(payloads[IdxFileRole.TestLabels]));
        var e = Assert.Throws<InvalidDataException>(() => DatasetFolder.Load("fixture", _dir.Path, "test"));
        Assert.Contains(Path(_dir.Path, IdxFileRole.TestImages), e.Message);
        Assert.Contains("wrong magic", e.Message);
    }

    [Fact]
    public void Missing_files_are_listed()
    {
        IdxFixtures.WriteDataset(_dir.Path, seed: 8);
        File.Delete(Path(_dir.Path, IdxFileRole.TrainLabels));
        File.Delete(Path(_dir.Path, IdxFileRole.TestImages));
        var e = Assert.Throws<FileNotFoundException>(() => DatasetFolder.Load("fixture", _dir.Path, "test"));
        Assert.Contains(_dir.Path, e.Message);
        Assert.Contains("train-labels-idx1-ubyte", e.Message);
        Assert.Contains("t10k-images-idx3-ubyte", e.Message);
    }

    [Fact]
    public void Dotted_file_names_are_accepted()
    {
        var payloads = IdxFixtures.Payloads(seed: 9);
        foreach (var (role, bytes) in payloads)
            File.WriteAllBytes(System.IO.Path.Combine(_dir.Path, KnownDatasets.FileName(role).Replace("-idx", ".idx")), bytes);
        Assert.Equal(12, DatasetFolder.Load("fixture", _dir.Path, "test").TrainCount);
    }

    [Fact]
    public void Take_cuts_both_splits()
    {
        IdxFixtures.WriteDataset(_dir.Path, seed: 10);
        var data = DatasetFolder.Load("fixture", _dir.Path, "test");
        var small = data.Take(3, 100);
        Assert.Equal((3, 5), (small.TrainCount, small.TestCount));
        Assert.Equal(data.TrainImages[..36], small.TrainImages);
        Assert.Equal(data.Sha256, small.Sha256);
    }

    [Fact]
    public void Synthetic_is_deterministic_in_range_and_seed_dependent()
    {
        var a = Dataset.Synthetic(50, 20, seed: 1);
        var b = Dataset.Synthetic(50, 20, seed: 1);
        var c = Dataset.Synthetic(50, 20, seed: 2);
        Assert.Equal((50, 20, 50 * 784, 20 * 784), (a.TrainCount, a.TestCount, a.TrainImages.Length, a.TestImages.Length));
        Assert.Equal(ImageShape.Mnist, a.Shape);
        Assert.Equal(10, a.Classes);
        Assert.All(a.TrainImages, p => Assert.InRange(p, 0f, 1f));
        Assert.All(a.TrainLabels.Concat(a.TestLabels), l => Assert.InRange(l, 0, 9));
        Assert.Equal(a.TrainImages, b.TrainImages);
        Assert.Equal(a.Sha256, b.Sha256);
        Assert.NotEqual(a.Sha256, c.Sha256);
    }

    [Fact]
    public void Synthetic_classes_are_separable_by_nearest_class_mean()
    {
        // The generator is meant for training tests, so it must be learnable: a nearest-mean
        // classifier fitted on train must beat chance by far on test.
        var d = Dataset.Synthetic(200, 100, seed: 3);
        var means = new double[10, 784];
        var counts = new int[10];
        for (int i = 0; i < d.TrainCount; i++)
        {
            counts[d.TrainLabels[i]]++;
            for (int j = 0; j < 784; j++) means[d.TrainLabels[i], j] += d.TrainImages[i * 784 + j];
        }
        int correct = 0;
        for (int i = 0; i < d.TestCount; i++)
        {
            int best = -1;
            double bestDist = double.MaxValue;
            for (int c = 0; c < 10; c++)
            {
                if (counts[c] == 0) continue;
                double dist = 0;
                for (int j = 0; j < 784; j++)
                {
                    double diff = d.TestImages[i * 784 + j] - means[c, j] / counts[c];
                    dist += diff * diff;
                }
                if (dist < bestDist) (bestDist, best) = (dist, c);
            }
            if (best == d.TestLabels[i]) correct++;
        }
        Assert.True(correct >= 80, $"nearest-mean accuracy {correct}/100");
    }
}
