using SpikeFit.Training.Data;

namespace SpikeFit.Tests.Data;

public class DatasetResolverTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Four folders, each with a different fixture, so the one loaded is recognisable.</summary>
    (string data, string env, string cacheRoot, string system) FourSources()
    {
        string data = _dir.Sub("data"), env = _dir.Sub("env"), cacheRoot = _dir.Sub("cache"), system = _dir.Sub("system");
        IdxFixtures.WriteDataset(data, seed: 100);
        IdxFixtures.WriteDataset(env, seed: 200);
        IdxFixtures.WriteDataset(Path.Combine(cacheRoot, "fixture"), seed: 300);
        IdxFixtures.WriteDataset(system, seed: 400);
        return (data, env, cacheRoot, system);
    }

    static DatasetResolverOptions Options(string cacheRoot, string? env, string? system) =>
        new()
        {
            CacheRoot = cacheRoot,
            SystemFolder = system,
            NoSystemFolder = system is null,
            AllowDownload = false,
            Environment = k => k == DatasetResolverOptions.DataEnvironmentVariable ? env : null,
        };

    [Fact]
    public void Data_beats_environment_beats_cache_beats_system_folder()
    {
        var (data, env, cacheRoot, system) = FourSources();

        var d1 = DatasetResolver.Resolve("fixture", data, Options(cacheRoot, env, system));
        Assert.Equal(Path.GetFullPath(data), d1.SourceFolder);
        Assert.StartsWith("--data", d1.Source);

        var d2 = DatasetResolver.Resolve("fixture", null, Options(cacheRoot, env, system));
        Assert.Equal(Path.GetFullPath(env), d2.SourceFolder);
        Assert.StartsWith("SPIKEFIT_DATA", d2.Source);

        var d3 = DatasetResolver.Resolve("fixture", null, Options(cacheRoot, null, system));
        Assert.Equal(Path.GetFullPath(Path.Combine(cacheRoot, "fixture")), d3.SourceFolder);
        Assert.StartsWith("cache", d3.Source);

        Directory.Delete(Path.Combine(cacheRoot, "fixture"), recursive: true);
        var d4 = DatasetResolver.Resolve("fixture", null, Options(cacheRoot, null, system));
        Assert.Equal(Path.GetFullPath(system), d4.SourceFolder);

        // The four fixtures differ, so the digests prove which one was read.
        Assert.Equal(4, new[] { d1.Sha256, d2.Sha256, d3.Sha256, d4.Sha256 }.Distinct().Count());
    }

    [Fact]
    public void An_environment_folder_without_the_dataset_falls_through_to_the_cache()
    {
        var (_, _, cacheRoot, _) = FourSources();
        string emptyEnv = _dir.Sub("empty-env");
        Directory.CreateDirectory(emptyEnv);
        var d = DatasetResolver.Resolve("fixture", null, Options(cacheRoot, emptyEnv, null));
        Assert.StartsWith("cache", d.Source);
    }

    [Fact]
    public void An_environment_folder_that_is_missing_or_holds_a_partial_copy_is_refused_not_replaced_by_the_cache()
    {
        var (_, _, cacheRoot, _) = FourSources();
        string typo = _dir.Sub("no-such-folder");
        var e1 = Assert.Throws<DatasetNotFoundException>(() => DatasetResolver.Resolve("fixture", null, Options(cacheRoot, typo, null)));
        Assert.Contains("SPIKEFIT_DATA is set but unusable", e1.Message);
        Assert.Contains(typo, e1.Message);

        string partial = _dir.Sub("partial-env");
        IdxFixtures.WriteDataset(Path.Combine(partial, "fixture"), seed: 500);
        File.Delete(Directory.GetFiles(Path.Combine(partial, "fixture"), "t10k-labels*").Single());
        var e2 = Assert.Throws<DatasetNotFoundException>(() => DatasetResolver.Resolve("fixture", null, Options(cacheRoot, partial, null)));
        Assert.Contains("SPIKEFIT_DATA is set but unusable", e2.Message);
        Assert.Contains("t10k-labels", e2.Message);

        // The same partial copy directly in the folder (no sub-folder) is refused too.
        string flat = _dir.Sub("flat-env");
        IdxFixtures.WriteDataset(flat, seed: 600);
        File.Delete(Directory.GetFiles(flat, "train-labels*").Single());
        var e3 = Assert.Throws<DatasetNotFoundException>(() => DatasetResolver.Resolve("fixture", null, Options(cacheRoot, flat, null)));
        Assert.Contains("train-labels", e3.Message);
    }

    [Fact]
    public void A_folder_with_a_sub_folder_named_for_the_dataset_works_for_data_and_environment()
    {
        string root = _dir.Sub("root");
        IdxFixtures.WriteDataset(Path.Combine(root, "kmnist"), seed: 1);
        string cacheRoot = _dir.Sub("cache");
        Assert.Equal(Path.GetFullPath(Path.Combine(root, "kmnist")), DatasetResolver.Resolve("kmnist", root, Options(cacheRoot, null, null)).SourceFolder);
        Assert.Equal(Path.GetFullPath(Path.Combine(root, "kmnist")), DatasetResolver.Resolve("KMNIST", null, Options(cacheRoot, root, null)).SourceFolder);
    }

    [Fact]
    public void An_explicit_data_folder_without_the_files_is_an_error_even_when_others_have_them()
    {
        var (_, env, cacheRoot, system) = FourSources();
        string wrong = _dir.Sub("wrong");
        Directory.CreateDirectory(wrong);
        File.WriteAllBytes(Path.Combine(wrong, "train-images-idx3-ubyte.gz"), IdxFixtures.Gzip(IdxFixtures.Images(2, 2, 2, 1)));

        var e = Assert.Throws<DatasetNotFoundException>(() => DatasetResolver.Resolve("fixture", wrong, Options(cacheRoot, env, system)));
        Assert.Contains(wrong, e.Message);
        Assert.Contains("lacks train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte", e.Message);
        Assert.Contains("--data DIR", e.Message);
        Assert.Single(e.Attempts);
    }

    [Fact]
    public void A_user_folder_is_loaded_unverified_but_marked_when_it_matches_known_digests()
    {
        string data = _dir.Sub("data");
        var payloads = IdxFixtures.WriteDataset(data, seed: 11);
        string cacheRoot = _dir.Sub("cache");

        Assert.False(DatasetResolver.Resolve("fixture", data, Options(cacheRoot, null, null)).Verified);

        var withDigests = new DatasetResolverOptions
        {
            CacheRoot = cacheRoot, NoSystemFolder = true, AllowDownload = false, Environment = _ => null,
            ExpectedSha256 = IdxFixtures.Digests(payloads),
        };
        Assert.True(DatasetResolver.Resolve("fixture", data, withDigests).Verified);

        // A different variant in a user folder still loads (the user chose it), just unverified.
        var other = IdxFixtures.Digests(payloads);
        other[IdxFileRole.TrainImages] = new string('a', 64);
        var variant = DatasetResolver.Resolve("fixture", data, new DatasetResolverOptions
        {
            CacheRoot = cacheRoot, NoSystemFolder = true, AllowDownload = false, Environment = _ => null, ExpectedSha256 = other,
        });
        Assert.False(variant.Verified);
    }

    [Fact]
    public void A_cached_fashion_mnist_that_fails_the_known_digests_is_an_error_naming_the_file()
    {
        string cacheRoot = _dir.Sub("cache");
        IdxFixtures.WriteDataset(Path.Combine(cacheRoot, "fashion-mnist"), seed: 12);
        var e = Assert.Throws<InvalidDataException>(() => DatasetResolver.Resolve("fashion-mnist", null, IdxFixtures.Isolated(cacheRoot)));
        Assert.Contains(Path.Combine(cacheRoot, "fashion-mnist", "train-images-idx3-ubyte.gz"), e.Message);
        Assert.Contains("SHA-256", e.Message);
    }

    [Fact]
    public void When_every_source_fails_one_message_lists_each_place_and_the_ways_to_get_the_data()
    {
        string cacheRoot = _dir.Sub("cache"), system = _dir.Sub("no-debian"), envDir = _dir.Sub("env-empty");
        Directory.CreateDirectory(envDir);
        using var server = new FixtureHttpServer(new Dictionary<string, byte[]>()); // answers 404 to everything
        var options = new DatasetResolverOptions
        {
            CacheRoot = cacheRoot,
            SystemFolder = system,
            BaseUrl = server.BaseUrl,
            Environment = k => k == DatasetResolverOptions.DataEnvironmentVariable ? envDir : null,
        };

        var e = Assert.Throws<DatasetNotFoundException>(() => DatasetResolver.Resolve("fashion-mnist", null, options));

        Assert.Equal(["--data", "SPIKEFIT_DATA", "cache", "Debian package dataset-fashion-mnist", "download"], e.Attempts.Select(a => a.Source));
        string m = e.Message;
        Assert.Contains("--data: not given", m);
        Assert.Contains($"SPIKEFIT_DATA ({envDir}): holds none of the four IDX files", m);
        Assert.Contains($"cache ({Path.Combine(cacheRoot, "fashion-mnist")}): folder does not exist", m);
        Assert.Contains($"({system}): folder does not exist (package not installed)", m);
        Assert.Contains("404", m);
        Assert.Contains("train-images-idx3-ubyte.gz", m);
        Assert.Contains("sudo apt-get install dataset-fashion-mnist", m);
        Assert.Contains("--data DIR", m);
        Assert.Contains("SPIKEFIT_DATA=DIR", m);
        Assert.Contains(KnownDatasets.FashionMnistUrl.ToString(), m);
        Assert.Contains("SPIKEFIT_DATA_URL", m);
    }

    [Fact]
    public void Unknown_datasets_are_not_downloaded_without_digests()
    {
        var e = Assert.Throws<DatasetNotFoundException>(() => DatasetResolver.Resolve("mnist", null, new DatasetResolverOptions
        {
            CacheRoot = _dir.Sub("cache"), Environment = _ => null, BaseUrl = new Uri("http://127.0.0.1:9/"),
        }));
        Assert.Contains("no package known for 'mnist'", e.Message);
        Assert.Contains("no SHA-256 digests known for 'mnist'", e.Message);
        Assert.DoesNotContain("apt-get", e.Message);
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData(".hidden")]
    public void Names_that_are_not_plain_folder_names_are_rejected(string name) =>
        Assert.Throws<ArgumentException>(() => DatasetResolver.Resolve(name, null, IdxFixtures.Isolated(_dir.Sub("cache"))));

    [Fact]
    public void Default_cache_root_follows_xdg_then_home()
    {
        var xdg = new DatasetResolverOptions { Environment = k => k switch { "XDG_CACHE_HOME" => "/x/cache", "HOME" => "/home/u", _ => null } };
        Assert.Equal("/x/cache/spikefit/datasets", xdg.ResolveCacheRoot());
        var home = new DatasetResolverOptions { Environment = k => k == "HOME" ? "/home/u" : null };
        Assert.Equal("/home/u/.cache/spikefit/datasets", home.ResolveCacheRoot());
    }
}
