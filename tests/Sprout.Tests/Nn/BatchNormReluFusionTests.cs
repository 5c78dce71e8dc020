using Sprout.Init;
using Sprout.Nn;

namespace Sprout.Tests.Nn;

/// <summary>
/// A Sequential runs a BatchNorm followed by a Relu as one fused op while training. These tests pin down that the
/// fusion happens only there, and that it changes nothing a user can see: outputs, gradients, running statistics,
/// parameter names, summaries, prediction mode, and which outputs are released after backward.
/// </summary>
public class BatchNormReluFusionTests
{
    private static Sequential Net(bool fusable)
    {
        Rng.Seed(11);
        var net = new Sequential
        {
            new Conv2D(4, 3, padding: 1), new BatchNorm(), fusable ? new Relu() : new Lambda(x => x.Relu()), new Conv2D(3, 3),
        };
        net.Initialize(new Kaiming());
        return net;
    }

    private static Tensor Input()
    {
        var values = new float[3 * 2 * 6 * 6];
        Rng.Stream(5, "fusion input").FillUniform(values, -1f, 1f);
        return Tensor.FromArray(values, 3, 2, 6, 6);
    }

    /// <summary>Output and every parameter's gradient after one recorded forward and backward of Σ output·weights.</summary>
    private static (float[] Output, Dictionary<string, float[]> Gradients) Pass(Sequential net, Tensor x)
    {
        Tensor y, loss;
        using (Sprout.Autograd.Record())
        {
            y = net.Forward(x);
            var weights = Tensor.FromArray([.. Enumerable.Range(0, y.Length).Select(i => MathF.Sin(i))], y.Shape.ToArray());
            loss = (y * weights).Sum();
        }
        var output = y.ToArray();
        loss.Backward();
        return (output, net.CollectParams().Where(kv => kv.Value.GradReq != GradReq.Null).ToDictionary(kv => kv.Key, kv => kv.Value.Grad().ToArray()));
    }

    [Fact]
    public void A_fused_pair_gives_the_outputs_gradients_and_statistics_of_the_two_layers_apart()
    {
        var (fused, apart) = (Net(fusable: true), Net(fusable: false));
        var x = Input();
        var (fusedOutput, fusedGradients) = Pass(fused, x);
        var (apartOutput, apartGradients) = Pass(apart, x);

        Assert.Equal(apartOutput, fusedOutput);   // the same arithmetic: max(γ·x̂ + β, 0)
        Assert.Equal(apartGradients.Keys.Order(), fusedGradients.Keys.Order());
        foreach (var (name, expected) in apartGradients)
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - fusedGradients[name][i]) <= 1e-5f * (1 + Math.Abs(expected[i])),
                    $"{name}[{i}]: apart {expected[i]}, fused {fusedGradients[name][i]}");
        foreach (var buffer in new[] { "1.running_mean", "1.running_var" })
            Assert.Equal(apart.CollectParams()[buffer].Data().ToArray(), fused.CollectParams()[buffer].Data().ToArray());
    }

    [Fact]
    public void The_pair_is_recorded_as_one_op_while_training_and_as_two_layers_everywhere_else()
    {
        var net = new Sequential { new BatchNorm(), new Relu() };
        net.Initialize();
        var x = Input();
        Tensor y;
        using (Sprout.Autograd.Record()) y = net.Forward(x);
        Assert.Equal("BatchNormRelu", y.Node!.Op);

        Tensor apart;
        using (Sprout.Autograd.Record()) apart = new Relu().Forward(((Block)net[0]).Forward(x));
        Assert.Equal("Relu", apart.Node!.Op);   // a BatchNorm run on its own is not fused

        var summary = net.Summary(x.Shape);   // shapes only: both layers listed
        Assert.Contains("BatchNorm", summary);
        Assert.Contains("Relu", summary);
        Assert.Equal(["0.gamma", "0.beta", "0.running_mean", "0.running_var"], net.CollectParams().Keys);
    }

    [Fact]
    public void Prediction_uses_the_running_statistics_and_then_the_relu()
    {
        var (fused, apart) = (Net(fusable: true), Net(fusable: false));
        var x = Input();
        Pass(fused, x);
        Pass(apart, x);
        var predicted = fused.Forward(x).ToArray();   // not recording: BatchNorm's prediction path, Relu run as a layer
        Assert.Equal(apart.Forward(x).ToArray(), predicted);
    }

    [Fact]
    public void A_pair_at_the_end_hands_back_an_output_that_stays_readable_after_backward()
    {
        Rng.Seed(2);
        var net = new Sequential { new Conv2D(4, 3, padding: 1), new BatchNorm(), new Relu() };
        net.Initialize(new Kaiming());
        var x = Input();
        Tensor y, loss;
        using (Sprout.Autograd.Record()) loss = (y = net.Forward(x)).Sum();
        loss.Backward();
        Assert.All(y.ToArray(), v => Assert.True(v >= 0f));
        Assert.Contains(net.CollectParams()["1.gamma"].Grad().ToArray(), v => v != 0f);
    }
}
