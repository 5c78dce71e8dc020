using Sprout.Init;
using Sprout.Models;
using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Tests.Models;

/// <summary>The book's modern CNNs, written without input sizes: what the image size implies downstream.</summary>
public class ModernCnnTests
{
    [Fact]
    public void Each_network_sizes_its_dense_layers_from_the_image()
    {
        var alex = ModernCnns.AlexNet();
        alex.Initialize();
        Assert.Equal(new Shape(1, 10), alex.Build(new Shape(1, 1, 224, 224)));
        Assert.Equal(new Shape(4096, 6400), alex.Get<Dense>(9).Weight.Shape);   // 256 × 5 × 5, as the book prints

        var vgg = ModernCnns.Vgg([(1, 16), (1, 32), (2, 64), (2, 128), (2, 128)]);
        vgg.Initialize();
        Assert.Equal(new Shape(1, 10), vgg.Build(new Shape(1, 1, 224, 224)));
        Assert.Equal(new Shape(4096, 128 * 7 * 7), vgg.Get<Dense>(6).Weight.Shape);

        var nin = ModernCnns.NiN();
        nin.Initialize();
        Assert.Equal(new Shape(1, 10), nin.Build(new Shape(1, 1, 224, 224)));

        var google = ModernCnns.GoogLeNet();
        google.Initialize();
        Assert.Equal(new Shape(1, 10), google.Build(new Shape(1, 1, 96, 96)));
        Assert.Equal(new Shape(10, 1024), google.Get<Dense>(5).Weight.Shape);

        var resnet = ModernCnns.ResNet18();
        resnet.Initialize();
        Assert.Equal(new Shape(1, 10), resnet.Build(new Shape(1, 1, 96, 96)));
        Assert.Equal(new Shape(10, 512), resnet.Get<Dense>("5.2").Weight.Shape);
        Assert.Equal(new Shape(128, 64, 1, 1), resnet.Get<Conv2D>("2.0.shortcut").Weight.Shape);
        Assert.Equal(11_178_378, resnet.CollectParams().Values.Where(p => !p.IsBuffer).Sum(p => (long)p.Shape.ElementCount));

        var dense = ModernCnns.DenseNet();
        dense.Initialize();
        Assert.Equal(new Shape(1, 10), dense.Build(new Shape(1, 1, 96, 96)));
        Assert.Equal(new Shape(10, 248), dense.Get<Dense>("8.4").Weight.Shape);   // 64 → 192 → 96 → 224 → 112 → 240 → 120 → 248
    }

    [Fact]
    public void ResNet18_trains_a_step_at_two_image_sizes_from_one_definition()
    {
        foreach (int side in new[] { 32, 64 })
        {
            Rng.Seed(17);
            var net = ModernCnns.ResNet18();
            net.Initialize(new Xavier());
            var trainer = new Trainer(net.CollectParams(), new Sgd(0.01f));
            var x = Tensor.RandomUniform(4, 1, side, side);
            var labels = Tensor.FromArray([0, 3, 5, 9], 4);
            var loss = new SoftmaxCrossEntropyLoss();
            float first = 0, last = 0;
            for (int step = 0; step < 4; step++)
            {
                Tensor l;
                using (Sprout.Autograd.Record()) l = loss.Forward(net.Forward(x), labels).Mean();
                l.Backward();
                trainer.Step(1);
                if (step == 0) first = l.Item();
                last = l.Item();
            }
            Assert.True(last < first, $"{side}×{side}: loss {first} → {last}");
            Assert.Empty(net.PendingParameters());
        }
    }
}
