using Sprout.Data;
using Sprout.Init;
using Sprout.Models;
using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Tests.Attention;

/// <summary>The decoder block, the Vision Transformer's pieces and the resizing its data needs.</summary>
public class TransformerModelTests
{
    public TransformerModelTests() => Rng.Seed(23);

    private static Tensor R(params int[] shape) => Tensor.RandomUniform(new Shape(shape), -1f, 1f);

    [Fact]
    public void The_decoder_cannot_see_the_future_and_ignores_encoder_keys_beyond_their_valid_lengths()
    {
        var decoder = new TransformerDecoderBlock(heads: 2, ffnHidden: 16);
        decoder.Initialize(new Xavier());
        var (x, memory) = (R(2, 5, 8), R(2, 6, 12));
        var valid = Tensor.FromArray([3, 6], 2);
        var before = decoder.Forward(x, memory, valid).ToArray();
        Assert.Equal(new Shape(8, 12), decoder.CrossAttention.KeyWeight.Shape);   // the encoder's width is inferred apart
        var later = x.ToArray();
        for (int j = 0; j < 8; j++) later[4 * 8 + j] += 2f;   // batch 0, last step
        var after = decoder.Forward(Tensor.FromArray(later, 2, 5, 8), memory, valid).ToArray();
        Assert.Equal(before.Take(4 * 8), after.Take(4 * 8));
        var padded = memory.ToArray();
        for (int j = 0; j < 12; j++) padded[5 * 12 + j] = 99f;   // batch 0, encoder step 5 ≥ valid length 3
        Assert.Equal(before.Take(5 * 8), decoder.Forward(x, Tensor.FromArray(padded, 2, 6, 12), valid).ToArray().Take(5 * 8));
    }

    [Fact]
    public void The_vision_transformer_sizes_itself_from_the_image_and_trains()
    {
        foreach (var (side, patch) in new[] { (28, 7), (32, 8) })
        {
            var vit = new VisionTransformer(classes: 10, patchSize: patch, hidden: 16, mlpHidden: 32, heads: 2, blocks: 2, embeddingDropout: 0f, blockDropout: 0f);
            vit.Initialize(new Xavier());
            var images = Tensor.RandomUniform(3, 1, side, side);
            Assert.Equal(new Shape(3, 10), vit.Forward(images).Shape);
            int patches = side / patch * (side / patch);
            Assert.Equal(new Shape(patches + 1, 16), vit.Positions.Weight.Shape);
            Assert.Equal(new Shape(16, 1, patch, patch), vit.Patches.Conv.Weight.Shape);
            var trainer = new Trainer(vit.CollectParams(), new Adam(0.01f));
            var labels = Tensor.FromArray([1, 2, 3], 3);
            var loss = new SoftmaxCrossEntropyLoss();
            float first = 0, last = 0;
            for (int step = 0; step < 15; step++)
            {
                Tensor l;
                using (Sprout.Autograd.Record()) l = loss.Forward(vit.Forward(images), labels).Mean();
                l.Backward();
                trainer.Step(1);
                if (step == 0) first = l.Item();
                last = l.Item();
            }
            Assert.True(last < first / 2, $"{side}×{side}: loss {first} → {last}");
        }
        var e = Assert.Throws<ArgumentException>(() => new PatchEmbedding(8, 5).InitializeAndRun(Tensor.Zeros(1, 1, 28, 28)));
        Assert.Contains("multiples of the patch", e.Message);
    }

    [Fact]
    public void Bilinear_resize_matches_hand_computed_values_and_keeps_constants()
    {
        var image = Tensor.FromArray([0, 4, 8, 12], 1, 1, 2, 2);
        var up = ImageResize.Resize(image, 4, 4).ToArray();
        // align_corners = false: output x ↦ source (x + 0.5)/2 − 0.5 → 0, 0.25, 0.75, 1 (clamped at the edges)
        Assert.Equal([0f, 1f, 3f, 4f], up.Take(4));
        Assert.Equal([8f, 9f, 11f, 12f], up.Skip(12).Take(4));
        Assert.Equal([3f], ImageResize.Resize(Tensor.Full(new Shape(2, 1, 5, 3), 3f), 7, 9).ToArray().Distinct());
        Assert.Equal(new Shape(2, 1, 96, 96), ImageResize.Resize(Tensor.Zeros(2, 1, 28, 28), 96, 96).Shape);
    }
}
