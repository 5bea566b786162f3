using System.Security.Cryptography;

namespace SpikeFit.Training.Data;

/// <summary>Finds and loads the four IDX files of a dataset in one folder.</summary>
public static class DatasetFolder
{
    /// <summary>The path of each role's file in <paramref name="folder"/> (first existing name
    /// variant), and the roles with no file.</summary>
    public static (Dictionary<IdxFileRole, string> Found, List<IdxFileRole> Missing) Locate(string folder)
    {
        var found = new Dictionary<IdxFileRole, string>();
        var missing = new List<IdxFileRole>();
        foreach (var role in KnownDatasets.Roles)
        {
            string? path = KnownDatasets.Candidates(role).Select(c => Path.Combine(folder, c)).FirstOrDefault(File.Exists);
            if (path is null) missing.Add(role);
            else found[role] = path;
        }
        return (found, missing);
    }

    /// <summary>True when <paramref name="folder"/> holds all four files (gzip or raw).</summary>
    public static bool IsComplete(string folder) => Directory.Exists(folder) && Locate(folder).Missing.Count == 0;

    /// <summary>
    /// Loads the dataset in <paramref name="folder"/>. With <paramref name="expectedSha256"/> every
    /// decompressed payload must match its digest; without, the data is loaded unverified.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing (the message lists which).</exception>
    /// <exception cref="InvalidDataException">A file is corrupt, truncated, of the wrong kind, fails
    /// its digest, or disagrees with its partner file (counts, image sizes).</exception>
    public static Dataset Load(
        string name, string folder, string source, int classes = 10,
        IReadOnlyDictionary<IdxFileRole, string>? expectedSha256 = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        var (found, missing) = Locate(folder);
        if (missing.Count > 0)
            throw new FileNotFoundException(
                $"Dataset folder '{folder}' lacks {string.Join(", ", missing.Select(r => KnownDatasets.FileName(r) + "[.gz]"))}.",
                Path.Combine(folder, KnownDatasets.FileName(missing[0])));

        // Read the four files concurrently: decompressing train-images dominates, and the others
        // overlap with it on a second core.
        var payloads = new byte[4][];
        var digests = new string[4];
        IdxImages? trainImages = null, testImages = null;
        int[]? trainLabels = null, testLabels = null;
        // Each file's failure is kept by role and the first in role order is reported, so the message
        // does not depend on which thread failed first (two bad files gave either name before).
        var errors = new Exception?[4];
        Parallel.For(0, 4, i =>
        {
            try
            {
                var role = KnownDatasets.Roles[i];
                string path = found[role];
                byte[] payload = IdxReader.ReadPayload(path);
                payloads[i] = payload;
                digests[i] = Convert.ToHexStringLower(SHA256.HashData(payload));
                if (expectedSha256 is not null && expectedSha256.TryGetValue(role, out var want) &&
                    !string.Equals(want, digests[i], StringComparison.OrdinalIgnoreCase))
                    throw new InvalidDataException(
                        $"IDX file '{path}' does not match the known {name} data: SHA-256 of its decompressed content is {digests[i]}, expected {want.ToLowerInvariant()}. The file is corrupt or a different dataset; delete or replace it.");
                switch (role)
                {
                    case IdxFileRole.TrainImages: trainImages = IdxReader.ParseImages(payload, path); break;
                    case IdxFileRole.TestImages: testImages = IdxReader.ParseImages(payload, path); break;
                    case IdxFileRole.TrainLabels: trainLabels = IdxReader.ParseLabels(payload, path, classes); break;
                    case IdxFileRole.TestLabels: testLabels = IdxReader.ParseLabels(payload, path, classes); break;
                }
            }
            catch (Exception e)
            {
                errors[i] = e;
            }
        });
        if (errors.FirstOrDefault(x => x is not null) is { } first)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();

        CheckPair(trainImages!, trainLabels!, found[IdxFileRole.TrainImages], found[IdxFileRole.TrainLabels]);
        CheckPair(testImages!, testLabels!, found[IdxFileRole.TestImages], found[IdxFileRole.TestLabels]);
        if (trainImages!.Rows != testImages!.Rows || trainImages.Columns != testImages.Columns)
            throw new InvalidDataException(
                $"IDX files disagree on the image size: '{found[IdxFileRole.TrainImages]}' holds {trainImages.Rows}×{trainImages.Columns} images but '{found[IdxFileRole.TestImages]}' holds {testImages.Rows}×{testImages.Columns}.");

        using var combined = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var p in payloads) combined.AppendData(p);
        bool verified = expectedSha256 is not null && KnownDatasets.Roles.All(expectedSha256.ContainsKey);
        return new Dataset(
            name, trainImages.Pixels, trainLabels!, testImages.Pixels, testLabels!,
            new ImageShape(trainImages.Rows, trainImages.Columns, 1), classes,
            Convert.ToHexStringLower(combined.GetHashAndReset()), source, Path.GetFullPath(folder),
            KnownDatasets.Roles.Select((r, i) => (r, i)).ToDictionary(t => t.r, t => digests[t.i]),
            verified);
    }

    static void CheckPair(IdxImages images, int[] labels, string imagesPath, string labelsPath)
    {
        if (images.Count != labels.Length)
            throw new InvalidDataException(
                $"IDX files disagree on the sample count: '{imagesPath}' holds {images.Count} images but '{labelsPath}' holds {labels.Length} labels.");
    }
}
