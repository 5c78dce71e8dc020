using Sprout.Data;

namespace Sprout.Tests.Data;

public class FashionMnistTests
{
    [Fact]
    public void The_embedded_subset_loads_as_images_in_the_unit_interval_and_class_labels()
    {
        var train = FashionMnist.LoadSubset(Split.Train);
        var test = FashionMnist.LoadSubset(Split.Test);
        Assert.True(train.IsSubset);
        Assert.Equal(new Shape(2000, 1, 28, 28), train.Images.Shape);
        Assert.Equal(new Shape(500), test.Labels.Shape);
        Assert.All(train.Images.ToArray(), v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (float)i), train.Labels.ToArray().Distinct().Order());
        Assert.Equal(9f, train.Labels[0]);   // the first Fashion-MNIST training image is an ankle boot
        Assert.Equal("ankle boot", FashionMnist.ClassNames[9]);
    }

    [Fact]
    public void An_explicit_directory_without_the_files_is_an_error_naming_them()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(Split.Test, dir));
        Assert.Contains("t10k-images-idx3-ubyte", e.Message);
        Assert.Contains(dir, e.Message);
    }

    [Fact]
    public void SPROUT_DATA_is_searched_before_the_system_folder()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        var asm = typeof(FashionMnist).Assembly;
        foreach (var name in new[] { "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" })
        {
            using var src = asm.GetManifestResourceStream($"Sprout.Data.Subset.{name}")!;
            using var dst = File.Create(Path.Combine(dir, name));
            src.CopyTo(dst);
        }
        var previous = Environment.GetEnvironmentVariable("SPROUT_DATA");
        try
        {
            Environment.SetEnvironmentVariable("SPROUT_DATA", dir);
            var test = FashionMnist.Load(Split.Test);
            Assert.Equal(dir, test.Source);
            Assert.Equal(500, test.Count);
        }
        finally { Environment.SetEnvironmentVariable("SPROUT_DATA", previous); }
    }
}
