using Sprout.Init;
using Sprout.Nn;
using Sprout.Tests.Autograd;
using static Sprout.Tests.TestHelpers;

namespace Sprout.Tests.Nn;

public class ConvolutionalNetworkTests
{
    /// <summary>The book's LeNet (sigmoid, average pooling), written without any input size.</summary>
    internal static Sequential LeNet() => new()
    {
        new Conv2D(6, kernelSize: 5, padding: 2, activation: Activation.Sigmoid),
        new AvgPool2D(2, strides: 2),
        new Conv2D(16, kernelSize: 5, activation: Activation.Sigmoid),
        new AvgPool2D(2, strides: 2),
        new Flatten(),
        new Dense(120, Activation.Sigmoid),
        new Dense(84, Activation.Sigmoid),
        new Dense(10),
    };

    [Fact]
    public void Conv2D_matches_a_hand_computed_correlation()
    {
        var x = Tensor.Arange(16).Reshape(1, 1, 4, 4);
        var w = Tensor.FromArray([1f, 0f, 0f, -1f], 1, 1, 2, 2);
        var y = Tensor.Conv2D(x, w, Tensor.FromArray([0.5f], 1), 1, 0, 1);
        Assert.Equal(new Shape(1, 1, 3, 3), y.Shape);
        Assert.All(y.ToArray(), v => Assert.Equal(-5f + 0.5f, v));   // x[i,j] − x[i+1,j+1] = −5
        var padded = Tensor.Conv2D(x, w, null, 2, 1, 1);
        Assert.Equal(new Shape(1, 1, 3, 3), padded.Shape);
        Assert.Equal(-5f, padded[0, 0, 1, 1]);
        Assert.Equal(0f, padded[0, 0, 0, 0]);    // padding·1 − x[0,0]
        Assert.Equal(-2f, padded[0, 0, 0, 1]);   // padding·1 − x[0,2]
    }

    [Fact]
    public void Pooling_matches_hand_computed_values()
    {
        var x = Tensor.Arange(16).Reshape(1, 1, 4, 4);
        Assert.Equal([5f, 7, 13, 15], Tensor.MaxPool2D(x, 2, 2, 0).ToArray());
        Assert.Equal([2.5f, 4.5f, 10.5f, 12.5f], Tensor.AvgPool2D(x, 2, 2, 0).ToArray());
        Assert.Equal(new Shape(1, 1, 2, 2), Tensor.MaxPool2D(Tensor.Zeros(1, 1, 5, 5), 2, 2, 0).Shape);
        Assert.Equal(new Shape(1, 1, 3, 3), Tensor.MaxPool2D(Tensor.Zeros(1, 1, 5, 5), 2, 2, 0, ceilMode: true).Shape);
        var g = new GlobalAvgPool2D();
        Assert.Equal([7.5f], g.Forward(x).ToArray());
    }

    [Fact]
    public void LeNet_summary_shows_the_books_shapes_and_61706_parameters()
    {
        string s = LeNet().Summary(new Shape(1, 1, 28, 28));
        Assert.Contains("(1, 6, 28, 28)", s);
        Assert.Contains("(1, 16, 10, 10)", s);
        Assert.Contains("(1, 16, 5, 5)", s);
        Assert.Contains("(1, 400)", s);
        Assert.Contains("weight (120, 400)", s);
        Assert.Contains("(1, 10)", s);
        Assert.Contains("Total parameters: 61,706", s);
    }

    [Fact]
    public void The_same_definition_at_28_and_56_pixels_gets_different_dense_sizes()
    {
        var small = LeNet();
        var large = LeNet();
        small.Initialize();
        large.Initialize();
        small.Build(new Shape(1, 1, 28, 28));
        large.Build(new Shape(1, 1, 56, 56));
        Assert.Equal(new Shape(120, 400), small[5].Params["weight"].Shape);
        Assert.Equal(new Shape(120, 16 * 12 * 12), large[5].Params["weight"].Shape);
        Assert.Equal(new Shape(6, 1, 5, 5), large[0].Params["weight"].Shape);
    }

    [Fact]
    public void Eight_threads_racing_the_first_forward_of_a_deferred_cnn()
    {
        var net = LeNet();
        var init = new RecordingInit();
        net.Initialize(init);
        var x = Tensor.RandomUniform(3, 1, 28, 28);
        var outputs = new float[8][];
        using var start = new Barrier(8);
        var threads = Enumerable.Range(0, 8).Select(i => new Thread(() => { start.SignalAndWait(); outputs[i] = net.Forward(x).ToArray(); })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.Equal(5, init.Calls.Count);
        Assert.Equal(init.Calls.Select(c => c.Name).Distinct().Count(), init.Calls.Count);
        var expected = net.Forward(x).ToArray();
        Assert.All(outputs, o => Assert.Equal(expected, o));
    }

    [Fact]
    public void A_3d_input_to_Conv2D_is_a_clear_error_naming_the_layer()
    {
        var net = new Sequential { new Conv2D(4, 3) };
        net.Initialize();
        var e = Assert.Throws<ArgumentException>(() => net.Forward(Tensor.Zeros(1, 28, 28)));
        Assert.Contains("'0'", e.Message);
        Assert.Contains("(1, 28, 28)", e.Message);
        Assert.Contains("(N, C, H, W)", e.Message);
        Assert.Equal(new Shape(4, -1, 3, 3), net[0].Params["weight"].Shape);
    }

    [Fact]
    public void A_kernel_larger_than_the_padded_image_is_a_clear_error()
    {
        var net = new Sequential { new Conv2D(4, 7) };
        net.Initialize();
        var e = Assert.Throws<ArgumentException>(() => net.Forward(Tensor.Zeros(1, 1, 5, 5)));
        Assert.Contains("'0'", e.Message);
        Assert.Contains("(1, 1, 5, 5)", e.Message);
        Assert.Contains("too small", e.Message);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(e.Message, @"\(Parameter '"));   // the layer's own, not the inner call's too
        Assert.Equal(ParameterState.Deferred, net[0].Params["weight"].State);
    }

    [Fact]
    public void An_image_too_small_for_the_stack_names_the_layer_and_the_shape_that_reached_it()
    {
        var net = LeNet();
        net.Initialize();
        var e = Assert.Throws<ArgumentException>(() => net.Forward(Tensor.Zeros(1, 1, 8, 8)));
        Assert.Contains("'2'", e.Message);
        Assert.Contains("(1, 6, 4, 4)", e.Message);
        Assert.Equal(["0.weight", "2.weight", "5.weight", "6.weight", "7.weight"], net.PendingParameters());   // nothing stays filled
    }

    [Fact]
    public void BatchNorm_normalizes_with_batch_statistics_while_training_and_running_ones_in_prediction()
    {
        Rng.Seed(4);
        var bn = new BatchNorm(momentum: 0.5f);
        bn.Initialize();
        var x = Tensor.RandomNormal(new Shape(8, 3, 4, 4), 2f, 3f);
        Tensor y;
        using (Sprout.Autograd.Train()) y = bn.Forward(x);
        var perChannel = y.Transpose(1, 0, 2, 3).Reshape(3, -1);
        Close([0f, 0f, 0f], perChannel.Mean(1), 1e-4f);
        Close([1f, 1f, 1f], (perChannel * perChannel).Mean(1), 1e-3f);
        // running ← 0.5·running + 0.5·batch, from (0, 1)
        var batchMean = x.Transpose(1, 0, 2, 3).Reshape(3, -1).Mean(1);
        Close((batchMean * 0.5f).ToArray(), bn.RunningMean.Data(), 1e-5f);
        Tensor p;
        using (Sprout.Autograd.Predict()) p = bn.Forward(x);
        var expected = (x - bn.RunningMean.Data().Reshape(1, 3, 1, 1)) / (bn.RunningVar.Data().Reshape(1, 3, 1, 1) + 1e-5f).Sqrt();
        Close(expected.ToArray(), p, 1e-4f);
        Assert.NotEqual(y.ToArray(), p.ToArray());
    }

    [Fact]
    public void BatchNorm_training_gradients()
    {
        Rng.Seed(21);
        var bn = new BatchNorm();
        bn.Initialize();
        bn.Build(new Shape(4, 3));
        bn.Gamma.SetData(Tensor.FromArray([1.5f, -0.5f, 2f], 3));
        using (Sprout.Autograd.Train())
            GradCheck.Assert(x => bn.Forward(x[0]) * Tensor.Arange(12).Reshape(4, 3), Tensor.RandomNormal(4, 3));
    }

    [Fact]
    public void Dropout_scales_kept_values_and_is_the_identity_in_prediction()
    {
        Rng.Seed(9);
        var d = new Dropout(0.25f);
        var x = Tensor.Ones(20000);
        Tensor y;
        using (Sprout.Autograd.Train()) y = d.Forward(x);
        var v = y.ToArray();
        Assert.All(v, e => Assert.True(e == 0f || Math.Abs(e - 1f / 0.75f) < 1e-6));
        Assert.InRange(v.Count(e => e == 0f) / 20000.0, 0.23, 0.27);
        Assert.InRange(v.Average(), 0.97, 1.03);
        Assert.Same(x, d.Forward(x));
    }

    [Fact]
    public void A_conv_net_with_batch_norm_trains_and_its_gradients_match_finite_differences()
    {
        Rng.Seed(12);
        var net = new Sequential { new Conv2D(3, 3, padding: 1), new BatchNorm(), new Tanh(), new AvgPool2D(2), new Flatten(), new Dense(2) };
        net.Initialize(new Xavier());
        var x = Tensor.RandomUniform(4, 2, 6, 6);
        net.Build(x.Shape);
        var w = ((Conv2D)net[0]).Weight;
        Tensor loss;
        using (Sprout.Autograd.Record()) loss = net.Forward(x).Pow(2f).Sum();
        loss.Backward();
        var grad = w.Grad().ToArray();
        var data = w.Data().AsSpan();
        for (int j = 0; j < data.Length; j += 5)
        {
            float orig = data[j];
            const float Eps = 2e-3f;
            double Loss() { using (Sprout.Autograd.Train()) return net.Forward(x).Pow(2f).Sum().Item(); }
            data[j] = orig + Eps; double plus = Loss();
            data[j] = orig - Eps; double minus = Loss();
            data[j] = orig;
            double numeric = (plus - minus) / (2 * Eps);
            Assert.True(Math.Abs(numeric - grad[j]) <= 2e-2 + 2e-2 * Math.Abs(numeric), $"weight[{j}]: {grad[j]} vs {numeric}");
        }
    }
}
