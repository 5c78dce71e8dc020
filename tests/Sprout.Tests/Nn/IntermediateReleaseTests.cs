using Sprout.Init;
using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Tests.Nn;

/// <summary>
/// A Sequential's intermediate outputs are released when Backward() frees the graph, and their storage is reused by
/// the next step. These tests pin down that only intermediates are released, that a released one cannot be read by
/// mistake, that storage something else still views is never reused, and that reuse changes no result.
/// </summary>
public class IntermediateReleaseTests
{
    private const int Units = 160;   // a 128x160 activation is above StoragePool.MinLength, so it is pooled

    /// <summary>Passes its input through (as a recorded op) and keeps what it returned, as a user's block might.</summary>
    private sealed class Keeper(bool keepView = false) : Block
    {
        public Tensor? Output { get; private set; }
        public Tensor? View { get; private set; }

        protected override Tensor ForwardCore(Tensor x)
        {
            var y = x * 1f;
            Output ??= y;
            if (keepView) View ??= y.Detach();
            return y;
        }
    }

    private static (Tensor X, Tensor Y) Batch(int seed)
    {
        var values = new float[128 * 40];
        Rng.Stream((ulong)seed, "release batch").FillUniform(values, -1f, 1f);
        var x = Tensor.FromArray(values, 128, 40);
        return (x, Tensor.FromArray([.. Enumerable.Range(0, 128).Select(i => (float)((i + seed) % 10))], 128));
    }

    private static void Step(Sequential net, Tensor x, Tensor y, Trainer? trainer = null)
    {
        Tensor l;
        using (Sprout.Autograd.Record()) l = new SoftmaxCrossEntropyLoss().Forward(net.Forward(x), y).Sum();
        l.Backward();
        trainer?.Step(x.Shape[0]);
    }

    private static Sequential Net(Block middle)
    {
        Rng.Seed(3);
        var net = new Sequential { new Dense(Units, Activation.Relu), middle, new Dense(10) };
        net.Initialize(new Xavier());
        return net;
    }

    [Fact]
    public void Reading_an_intermediate_after_backward_says_it_was_released_and_how_to_keep_it()
    {
        var keeper = new Keeper();
        var net = Net(keeper);
        var (x, y) = Batch(1);
        Step(net, x, y);

        Assert.True(keeper.Output!.IsReleased);
        var error = Assert.Throws<InvalidOperationException>(() => keeper.Output.ToArray());
        Assert.Contains("Keeper '1'", error.Message);
        Assert.Contains("Clone()", error.Message);
        Assert.Contains("ReleasesIntermediates = false", error.Message);
        Assert.Throws<InvalidOperationException>(() => keeper.Output.Reshape(-1));
        Assert.Equal($"Tensor(shape={keeper.Output.Shape}, released)", keeper.Output.ToString());
    }

    [Fact]
    public void The_input_and_the_final_output_are_never_released()
    {
        var net = Net(new Dropout(0.5f));   // outside training mode, Dropout returns its input object itself
        var (x, y) = Batch(2);
        Tensor output, l;
        using (Sprout.Autograd.Record())
        {
            output = net.Forward(x);
            l = new SoftmaxCrossEntropyLoss().Forward(output, y).Sum();
        }
        l.Backward();
        Assert.False(x.IsReleased);
        Assert.False(output.IsReleased);
        Assert.Equal(128 * 10, output.ToArray().Length);
    }

    [Fact]
    public void With_release_turned_off_intermediates_stay_readable()
    {
        var keeper = new Keeper();
        var net = Net(keeper);
        net.ReleasesIntermediates = false;
        var (x, y) = Batch(3);
        Step(net, x, y);
        Assert.False(keeper.Output!.IsReleased);
        Assert.Equal(128 * Units, keeper.Output.ToArray().Length);
    }

    [Fact]
    public void Storage_that_a_live_view_still_shares_is_not_reused()
    {
        var keeper = new Keeper(keepView: true);
        var net = Net(keeper);
        var (x, y) = Batch(4);
        Step(net, x, y);
        var kept = keeper.View!.ToArray();
        for (int s = 5; s < 9; s++)   // later steps rent activation-sized arrays and write over them
        {
            var (xs, ys) = Batch(s);
            Step(net, xs, ys);
        }
        Assert.True(keeper.Output!.IsReleased);
        Assert.Equal(kept, keeper.View.ToArray());
    }

    [Fact]
    public void Training_with_released_intermediates_gives_the_same_weights_as_without()
    {
        static float[] Train(bool release)
        {
            var net = Net(new Relu());
            net.ReleasesIntermediates = release;
            var trainer = new Trainer(net.CollectParams(), new Sgd(0.1f, momentum: 0.9f));
            for (int s = 0; s < 6; s++)
            {
                var (x, y) = Batch(10 + s);
                Step(net, x, y, trainer);
            }
            return [.. net.CollectParams().Values.SelectMany(p => p.Data().ToArray())];
        }
        Assert.Equal(Train(release: false), Train(release: true));
    }

    [Fact]
    public void A_steady_state_convolutional_step_reuses_its_activations()
    {
        Rng.Seed(8);
        var net = new Sequential
        {
            new Conv2D(6, kernelSize: 5, padding: 2, activation: Activation.Sigmoid), new AvgPool2D(2, strides: 2),
            new Flatten(), new Dense(10),
        };
        net.Initialize(new Xavier());
        var trainer = new Trainer(net.CollectParams(), new Sgd(0.1f));
        var x = Tensor.RandomUniform(64, 1, 28, 28);
        var y = Tensor.FromArray([.. Enumerable.Range(0, 64).Select(i => (float)(i % 10))], 64);
        for (int i = 0; i < 3; i++) Step(net, x, y, trainer);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Step(net, x, y, trainer);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // The convolution's output alone is 64x6x28x28 floats; the pooled output a quarter of that. Both now come from
        // the pool, as do the gradients, so what is left are small objects (tape nodes, shapes, closures).
        const int ConvolutionOutputBytes = 64 * 6 * 28 * 28 * sizeof(float);
        Assert.True(allocated < ConvolutionOutputBytes / 4, $"a steady-state step allocated {allocated:N0} bytes; the convolution output is {ConvolutionOutputBytes:N0}");
    }

    /// <summary>A user's block that keeps an intermediate of its own forward in a field.</summary>
    private sealed class Inspector : Block
    {
        public Tensor? Hidden { get; private set; }

        protected override Tensor ForwardCore(Tensor x)
        {
            Hidden = (x * 2f).Relu();
            return Hidden * 0.5f;
        }
    }

    [Fact]
    public void A_users_block_and_a_lambda_keep_their_intermediates_readable_after_backward()
    {
        var inspector = new Inspector();
        Tensor? kept = null;
        var lambda = new Lambda(x => { kept = x * 3f; return kept.Tanh(); });
        foreach (var block in new Block[] { inspector, lambda })
        {
            var x = Tensor.RandomUniform(new Shape(128, Units), -1f, 1f);
            x.AttachGrad();
            using (Sprout.Autograd.Record()) block.Forward(x).Sum().Backward();
        }
        Assert.False(inspector.Hidden!.IsReleased);
        Assert.Equal(128 * Units, inspector.Hidden.ToArray().Length);
        Assert.False(kept!.IsReleased);
    }

    [Fact]
    public void A_built_in_blocks_intermediates_are_released_and_reused_while_its_outputs_stay()
    {
        Rng.Seed(12);
        var block = new TransformerEncoderBlock(heads: 4, ffnHidden: 256);
        block.Initialize(new Xavier());
        var x = Tensor.RandomUniform(new Shape(8, 64, 64), -1f, 1f);   // activations of 32,768 floats: pooled
        var trainer = new Trainer(block.CollectParams(), new Sgd(0.01f));
        Tensor Step()
        {
            Tensor y;
            using (Sprout.Autograd.Record())
            {
                y = block.Forward(x, null);
                (y * y).Mean().Backward();
            }
            trainer.Step(1);
            return y;
        }
        for (int i = 0; i < 10; i++) Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var output = Step();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.False(output.IsReleased);
        Assert.Equal(8 * 64 * 64, output.ToArray().Length);
        // Without release the step allocated every projection, head split, FFN hidden layer and norm afresh: 2.3 MB,
        // 17.6 activations of 128 KiB. With it, 0.86 MB: what the caller keeps (the output, the loss's square), one
        // FFN-wide (4-activation) array that still leaves the pool each step, and small objects.
        const int Activation = 8 * 64 * 64 * sizeof(float);
        Assert.True(allocated < 8 * Activation, $"a steady-state step allocated {allocated:N0} bytes; one activation is {Activation:N0}");
    }
}
