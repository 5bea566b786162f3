namespace SpikeFit.Training.Data;

/// <summary>The four files of an MNIST-style IDX dataset, by role.</summary>
public enum IdxFileRole
{
    TrainImages,
    TrainLabels,
    TestImages,
    TestLabels,
}

/// <summary>What the toolkit knows about a named dataset: where it can be downloaded and the
/// SHA-256 digests of its four decompressed IDX payloads.</summary>
/// <param name="Name">Lower-case name, also the cache sub-folder.</param>
/// <param name="BaseUrl">Where the four .gz files live (file name appended), or null when unknown.</param>
/// <param name="Sha256">Digest of each decompressed payload (lower-case hex), or null when unknown.</param>
/// <param name="SystemFolder">A distribution package's folder, or null.</param>
/// <param name="SystemPackage">The package that fills <paramref name="SystemFolder"/>, or null.</param>
public sealed record KnownDataset(
    string Name,
    Uri? BaseUrl,
    IReadOnlyDictionary<IdxFileRole, string>? Sha256,
    string? SystemFolder,
    string? SystemPackage);

/// <summary>Standard file names and the datasets whose sources and digests are known.</summary>
public static class KnownDatasets
{
    /// <summary>The four roles in the fixed order used for the combined dataset digest.</summary>
    public static readonly IdxFileRole[] Roles =
        [IdxFileRole.TrainImages, IdxFileRole.TrainLabels, IdxFileRole.TestImages, IdxFileRole.TestLabels];

    /// <summary>Standard base names (without .gz) shared by MNIST, Fashion-MNIST and KMNIST.</summary>
    public static string FileName(IdxFileRole role) => role switch
    {
        IdxFileRole.TrainImages => "train-images-idx3-ubyte",
        IdxFileRole.TrainLabels => "train-labels-idx1-ubyte",
        IdxFileRole.TestImages => "t10k-images-idx3-ubyte",
        IdxFileRole.TestLabels => "t10k-labels-idx1-ubyte",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    /// <summary>Name variants accepted in a folder, in the order they are tried: raw before gzip
    /// (raw is faster to read), and the "train-images.idx3-ubyte" spelling some mirrors use.</summary>
    public static IEnumerable<string> Candidates(IdxFileRole role)
    {
        string name = FileName(role);
        string dotted = name.Replace("-idx", ".idx", StringComparison.Ordinal);
        return [name, name + ".gz", dotted, dotted + ".gz"];
    }

    /// <summary>The Debian package's folder (package <c>dataset-fashion-mnist</c>).</summary>
    public const string DebianFashionMnistFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>The canonical Fashion-MNIST download location (zalandoresearch/fashion-mnist README).</summary>
    public static readonly Uri FashionMnistUrl = new("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/");

    /// <summary>
    /// SHA-256 of the DECOMPRESSED Fashion-MNIST payloads. Computed on this project's machine from
    /// the Debian package's copy (dataset-fashion-mnist, /usr/share/datasets/fashion-mnist). Debian
    /// recompressed the .gz files, so the digests are taken after decompression, which makes them
    /// hold for upstream's .gz files, Debian's, and raw copies alike. Sizes: train-images 47040016
    /// bytes, train-labels 60008, t10k-images 7840016, t10k-labels 10008.
    /// </summary>
    public static readonly IReadOnlyDictionary<IdxFileRole, string> FashionMnistSha256 = new Dictionary<IdxFileRole, string>
    {
        [IdxFileRole.TrainImages] = "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        [IdxFileRole.TrainLabels] = "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        [IdxFileRole.TestImages] = "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        [IdxFileRole.TestLabels] = "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    };

    /// <summary>
    /// Upstream's published MD5s of its .gz files (zalandoresearch/fashion-mnist README), recorded as
    /// documentation only: they are not checked, because they hold for upstream's exact compressed
    /// bytes and Debian's recompressed files differ; the SHA-256 of the payload is what is verified.
    /// </summary>
    public static readonly IReadOnlyDictionary<IdxFileRole, string> FashionMnistUpstreamGzMd5 = new Dictionary<IdxFileRole, string>
    {
        [IdxFileRole.TrainImages] = "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        [IdxFileRole.TrainLabels] = "25c81989df183df01b3e8a0aad5dffbe",
        [IdxFileRole.TestImages] = "bef4ecab320f06d8554ea6380940ec79",
        [IdxFileRole.TestLabels] = "bb300cfdad3c16e7a12a480ee83cd310",
    };

    /// <summary>Fashion-MNIST: Debian folder, canonical URL and payload digests.</summary>
    public static readonly KnownDataset FashionMnist = new(
        "fashion-mnist", FashionMnistUrl, FashionMnistSha256, DebianFashionMnistFolder, "dataset-fashion-mnist");

    /// <summary>What is known about <paramref name="name"/>; other names (mnist, kmnist, ...) get
    /// no URL, digests or system folder, so they load only from --data, SPIKEFIT_DATA or the cache,
    /// without a digest check.</summary>
    public static KnownDataset Lookup(string name) =>
        string.Equals(name, FashionMnist.Name, StringComparison.OrdinalIgnoreCase)
            ? FashionMnist
            : new KnownDataset(name.ToLowerInvariant(), null, null, null, null);
}
