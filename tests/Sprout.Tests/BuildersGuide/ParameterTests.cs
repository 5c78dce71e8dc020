using Sprout.Init;
using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Tests.BuildersGuide;

/// <summary>The Builders' Guide, "Parameter Management" and "Parameter Initialization": each code cell.</summary>
public class ParameterTests
{
    private static Sequential Net()
    {
        var net = new Sequential { new Dense(8, Activation.Relu), new Dense(1) };
        net.Initialize();
        net.Forward(Tensor.RandomUniform(2, 4));
        return net;
    }

    [Fact]
    public void Parameters_are_reached_by_layer_by_name_and_by_typed_property()
    {
        var net = Net();
        var p = net[1].Params;
        Assert.Equal(["weight", "bias"], p.Keys);
        Assert.Equal(new Shape(1, 8), p["weight"].Shape);
        var bias = net.Get<Dense>(1).Bias!;
        Assert.Same(bias, p["bias"]);
        Assert.Equal([0f], bias.Data().ToArray());
        Assert.Equal("Parameter 1.bias (shape=(1,), dtype=float32)", bias.ToString());
        Assert.Equal(new float[8], net.Get<Dense>(1).Weight.Grad().ToArray());   // no backward yet: zeros
    }

    [Fact]
    public void All_parameters_at_once_and_a_selection_by_pattern()
    {
        var net = Net();
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias"], net.CollectParams().Keys);
        Assert.Equal(["0.weight", "1.weight"], net.CollectParams(".*weight").Keys);
        Assert.Equal(["0.bias"], net.CollectParams("0\\.bias").Keys);
    }

    private static Sequential Block1() => new() { new Dense(32, Activation.Relu), new Dense(16, Activation.Relu) };

    private static Sequential Block2()
    {
        var net = new Sequential();
        for (int i = 0; i < 4; i++) net.Add($"block{i}", Block1());
        return net;
    }

    [Fact]
    public void Nested_blocks_are_named_by_their_path_and_reached_without_casts()
    {
        var rgnet = new Sequential { Block2(), new Dense(10) };
        rgnet.Initialize();
        rgnet.Forward(Tensor.RandomUniform(2, 4));
        Assert.Contains("(block1): Sequential(", rgnet.ToString());
        var bias = rgnet.Get<Dense>("0.block1.0").Bias!;
        Assert.Equal("0.block1.0.bias", bias.Path);
        Assert.Equal(new float[32], bias.Data().ToArray());
        Assert.Same(rgnet.Get<Dense>("0.block1.0"), ((Sequential)((Sequential)rgnet[0])["block1"])[0]);
        var e = Assert.Throws<KeyNotFoundException>(() => rgnet.Get<Dense>("0.block9.0"));
        Assert.Contains("block0, block1, block2, block3", e.Message);
        Assert.Throws<InvalidCastException>(() => rgnet.Get<Conv2D>("1"));
    }

    [Fact]
    public void Built_in_initializers_fill_every_weight_and_per_layer_initialization_overrides_them()
    {
        var net = Net();
        net.Initialize(new Normal(0.01f), forceReinit: true);
        var w = net.CollectParams()["0.weight"].Data().ToArray();
        Assert.True(w.All(v => MathF.Abs(v) < 0.06f) && w.Any(v => v != 0));
        Assert.Equal(new float[8], net.CollectParams()["0.bias"].Data().ToArray());

        net.Initialize(new Constant(1f), forceReinit: true);
        Assert.All(net.CollectParams()["0.weight"].Data().ToArray(), v => Assert.Equal(1f, v));

        net.Get<Dense>(0).Weight.Initialize(new Xavier(), forceReinit: true);   // one parameter
        net[1].Initialize(new Constant(42f), forceReinit: true);              // one block: paths stay full
        Assert.Contains(net.CollectParams()["0.weight"].Data().ToArray(), v => v != 1f);
        Assert.All(net.CollectParams()["1.weight"].Data().ToArray(), v => Assert.Equal(42f, v));
        Assert.Equal("1.weight", net[1].Params["weight"].Path);
    }

    /// <summary>The book's MyInit: uniform in [−10, 10], then zero where |w| &lt; 5; it reports what it fills.</summary>
    private sealed class MyInit : Initializer
    {
        public List<string> Seen { get; } = [];

        protected override void InitWeight(string name, Tensor data)
        {
            Seen.Add($"Init {name} {data.Shape}");
            var d = data.AsSpan();
            Random.FillUniform(d, -10f, 10f);
            for (int i = 0; i < d.Length; i++) if (MathF.Abs(d[i]) < 5f) d[i] = 0f;
        }
    }

    [Fact]
    public void A_custom_initializer_sees_each_weight_by_path_and_direct_writes_change_the_data()
    {
        var net = Net();
        var init = new MyInit();
        net.Initialize(init, forceReinit: true);
        Assert.Equal(["Init 0.weight (8, 4)", "Init 1.weight (1, 8)"], init.Seen);
        Assert.All(net.CollectParams()["0.weight"].Data().ToArray(), v => Assert.True(v == 0f || MathF.Abs(v) >= 5f));

        var w = net.Get<Dense>(0).Weight.Data();
        var before = w.ToArray();
        var wSpan = w.AsSpan();
        for (int i = 0; i < wSpan.Length; i++) wSpan[i] += 1f;   // net[0].weight.data()[:] += 1
        w[0, 0] = 42f;                                            // net[0].weight.data()[0, 0] = 42
        Assert.Equal(42f, net.CollectParams()["0.weight"].Data()[0, 0]);
        Assert.Equal(before[1] + 1f, net.CollectParams()["0.weight"].Data()[0, 1]);
    }

    [Fact]
    public void Tied_parameters_are_one_storage_and_their_gradients_add_up()
    {
        var shared = new Dense(8, Activation.Relu);
        var net = new Sequential { new Dense(8, Activation.Relu), shared, shared, new Dense(1) };   // PyTorch: the same module twice
        net.Initialize();
        var x = Tensor.RandomUniform(2, 4);
        net.Forward(x);
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"], net.CollectParams().Keys);
        net.Get<Dense>(1).Weight.Data()[0, 0] = 100f;
        Assert.Equal(100f, net.Get<Dense>(2).Weight.Data()[0, 0]);

        // Gluon's params=shared.params: two layers, one set of parameters.
        var gluon = new Sequential { new Dense(8, Activation.Relu), new Dense(8, Activation.Relu), new Dense(8, Activation.Relu), new Dense(1) };
        gluon.Initialize();
        gluon.Forward(x);
        gluon[2].ShareParameters(gluon[1].CollectParams());
        Assert.True(gluon.Get<Dense>(2).Weight.IsTiedTo(gluon.Get<Dense>(1).Weight));
        Assert.Equal(6, gluon.CollectParams().Count);   // each storage once

        // The tied weight's gradient is the sum of both uses: compare with an untied twin holding the same values.
        var twin = new Sequential { new Dense(8, Activation.Relu), new Dense(8, Activation.Relu), new Dense(8, Activation.Relu), new Dense(1) };
        twin.Initialize();
        twin.Forward(x);
        foreach (var (name, p) in twin.CollectParams())
            p.SetData(gluon.CollectParams().TryGetValue(name, out var g) ? g.Data() : gluon.CollectParams()[name.Replace("2.", "1.")].Data());
        using (Sprout.Autograd.Record()) gluon.Forward(x).Sum().Backward();
        using (Sprout.Autograd.Record()) twin.Forward(x).Sum().Backward();
        var expected = twin.CollectParams()["1.weight"].Grad().ToArray().Zip(twin.CollectParams()["2.weight"].Grad().ToArray(), (a, b) => a + b).ToArray();
        TestHelpers.Close(expected, gluon.Get<Dense>(1).Weight.Grad(), 1e-5f);
        var trainer = new Trainer(gluon.CollectParams(), new Sgd(0.1f));
        trainer.Step(2);
        Assert.Equal(gluon.Get<Dense>(1).Weight.Data().ToArray(), gluon.Get<Dense>(2).Weight.Data().ToArray());
    }
}
