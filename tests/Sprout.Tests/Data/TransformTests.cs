using Sprout.Data;
using Sprout.Data.Transforms;

namespace Sprout.Tests.Data;

/// <summary>Image transforms against hand-computed values, determinism under a seed, their errors, and the loader running them.</summary>
public class TransformTests
{
    private static Tensor Numbered(int n, int c, int h, int w) => Tensor.Arange(n * c * h * w).Reshape(n, c, h, w);

    [Fact]
    public void Resize_downscales_and_upscales_with_bilinear_weights_at_aligned_centres()
    {
        // 4×4 → 2×2: each output centre sits between four source pixels, so each value is their mean.
        Assert.Equal([2.5f, 4.5f, 10.5f, 12.5f], new Resize(2).Apply(Numbered(1, 1, 4, 4)).ToArray());
        // A row 0, 3, 6 → 2 wide: source positions 0.25 and 1.75 → 0.75 and 5.25; the single row stays as it is.
        Assert.Equal([0.75f, 5.25f], new Resize(1, 2).Apply(Tensor.FromArray([0, 3, 6], 1, 1, 1, 3)).ToArray());
        // 2×2 → 4×4: corners keep the corner values (clamped), the inner pixels are a quarter and three quarters along.
        var up = new Resize(4).Apply(Tensor.FromArray([0, 4, 8, 12], 1, 1, 2, 2)).ToArray();
        Assert.Equal([0f, 1f, 3f, 4f], up.Take(4));
        Assert.Equal([8f, 9f, 11f, 12f], up.Skip(12));
        Assert.Equal(0f, up[0]);
        Assert.Equal(12f, up[15]);
        // The batch helper and the per-image transform are the same computation.
        var images = Tensor.RandomUniform(new Shape(3, 2, 28, 28));
        Assert.Equal(ImageResize.Resize(images, 96, 64).ToArray(), new Resize(96, 64).Apply(images).ToArray());
    }

    [Fact]
    public void Center_crop_takes_the_middle_window_rounding_offsets_as_torchvision()
    {
        var image = Numbered(1, 1, 5, 5);
        Assert.Equal([6f, 7f, 8f, 11f, 12f, 13f, 16f, 17f, 18f], new CenterCrop(3).Apply(image).ToArray());
        // 5 → 2: offset round(1.5) = 2 (to even, as Python's round).
        Assert.Equal([12f, 13f, 17f, 18f], new CenterCrop(2).Apply(image).ToArray());
    }

    [Fact]
    public void Random_crop_is_a_window_of_the_zero_padded_image_and_repeats_under_a_seed()
    {
        var images = Numbered(64, 1, 4, 4) + 1; // no zero pixel, so padding is recognisable
        var crop = new RandomCrop(4, padding: 2);
        var first = crop.Apply(images, seed: 7);
        Assert.Equal(first.ToArray(), crop.Apply(images, seed: 7).ToArray());
        Assert.NotEqual(first.ToArray(), crop.Apply(images, seed: 8).ToArray());
        var offsets = new HashSet<(int, int)>();
        for (int n = 0; n < 64; n++)
        {
            var padded = new float[8, 8];
            for (int y = 0; y < 4; y++) for (int x = 0; x < 4; x++) padded[y + 2, x + 2] = images[n, 0, y, x];
            var matches = Enumerable.Range(0, 5).SelectMany(t => Enumerable.Range(0, 5).Select(l => (t, l)))
                .Where(o => Enumerable.Range(0, 16).All(i => padded[o.t + i / 4, o.l + i % 4] == first[n, 0, i / 4, i % 4])).ToList();
            Assert.NotEmpty(matches);
            offsets.Add(matches[0]);
        }
        Assert.True(offsets.Count > 10, $"64 crops used only {offsets.Count} of the 25 offsets");
    }

    [Fact]
    public void Horizontal_flip_mirrors_rows_with_its_probability_and_repeats_under_a_seed()
    {
        var images = Numbered(200, 2, 2, 3);
        Assert.Equal([2f, 1f, 0f, 5f, 4f, 3f], new RandomHorizontalFlip(1).Apply(images).ToArray().Take(6));
        Assert.Equal(images.ToArray(), new RandomHorizontalFlip(0).Apply(images).ToArray());
        var flip = new RandomHorizontalFlip();
        var once = flip.Apply(images, seed: 3);
        Assert.Equal(once.ToArray(), flip.Apply(images, seed: 3).ToArray());
        int flipped = Enumerable.Range(0, 200).Count(n => once[n, 0, 0, 0] != images[n, 0, 0, 0]);
        Assert.InRange(flipped, 70, 130);
    }

    [Fact]
    public void Normalize_and_compose_chain_per_channel_in_order()
    {
        var image = Tensor.FromArray([1, 3, 5, 7, 10, 20, 30, 40], 1, 2, 2, 2);
        Assert.Equal([-1f, 0f, 1f, 2f, 0f, 1f, 2f, 3f], new Normalize([3, 10], [2, 10]).Apply(image).ToArray());
        var pipeline = ImageTransform.Compose(new Resize(4), new CenterCrop(2), new Normalize(0.5f, 0.5f));
        Assert.Equal(new ImageShape(2, 2, 2), pipeline.OutputShape(new ImageShape(2, 2, 2)));
        var expected = new Normalize(0.5f, 0.5f).Apply(new CenterCrop(2).Apply(new Resize(4).Apply(image)));
        Assert.Equal(expected.ToArray(), pipeline.Apply(image).ToArray());
    }

    [Fact]
    public void Bad_settings_and_bad_images_are_clear_errors()
    {
        var crop = Assert.Throws<ArgumentException>(() => new RandomCrop(40, padding: 4).Apply(Tensor.Zeros(1, 1, 28, 28)));
        Assert.Contains("40×40 crop does not fit images (1, 28, 28) padded by 4 (36×36)", crop.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Resize(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CenterCrop(3, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomHorizontalFlip(1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Normalize([0f], [0f]));
        var channels = Assert.Throws<ArgumentException>(() => new Normalize([0f, 0f], [1f, 1f]).Apply(Tensor.Zeros(1, 3, 2, 2)));
        Assert.Contains("2 means and standard deviations given for images (3, 2, 2) with 3 channels", channels.Message);
        var rank = Assert.Throws<ArgumentException>(() => new Resize(96).Apply(Tensor.Zeros(4, 28, 28)));
        Assert.Contains("(N, C, H, W); got (4, 28, 28)", rank.Message);
        var loader = Assert.Throws<ArgumentException>(() => new DataLoader(Tensor.Zeros(4, 28, 28), Tensor.Zeros(4), 2, transform: new Resize(96)));
        Assert.Contains("Reshape(N, 1, H, W)", loader.Message);
    }

    [Fact]
    public void The_loader_transforms_each_batch_the_same_way_with_or_without_prefetch()
    {
        var images = Tensor.RandomUniform(new Shape(37, 1, 28, 28));
        var labels = Tensor.Arange(37);
        var augment = ImageTransform.Compose(new RandomCrop(28, padding: 4), new RandomHorizontalFlip(), new Resize(32));
        List<float[]> Epoch(bool prefetch, out List<float[]> batchLabels)
        {
            var loader = new DataLoader(images, labels, batchSize: 8, shuffle: true, seed: 5, prefetch: prefetch, transform: augment);
            var (data, seen) = (new List<float[]>(), new List<float[]>());
            foreach (var batch in loader)
            {
                Assert.Equal(new Shape(batch.Size, 1, 32, 32), batch.Data.Shape);
                data.Add(batch.Data.ToArray());
                seen.Add(batch.Labels.ToArray());
            }
            batchLabels = seen;
            return data;
        }
        var withPrefetch = Epoch(prefetch: true, out var labelsA);
        var without = Epoch(prefetch: false, out var labelsB);
        Assert.Equal(labelsA, labelsB);
        Assert.Equal(withPrefetch, without);
        // Each sample is its own image transformed: a resized, unaugmented pipeline reproduces the eager resize.
        var plain = new DataLoader(images, labels, batchSize: 37, transform: new Resize(32));
        Assert.Equal(ImageResize.Resize(images, 32, 32).ToArray(), plain.First().Data.ToArray());
    }
}
