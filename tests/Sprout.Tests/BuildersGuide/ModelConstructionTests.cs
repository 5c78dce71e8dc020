using Sprout.Nn;

namespace Sprout.Tests.BuildersGuide;

/// <summary>The Builders' Guide, "Layers and Modules" and "Custom Layers": each code cell, Gluon and PyTorch forms.</summary>
public class ModelConstructionTests
{
    /// <summary>The book's MLP: layers kept in fields, as <c>self.hidden = nn.Dense(256)</c>.</summary>
    private sealed class Mlp : Block
    {
        private readonly Dense _hidden = new(256, Activation.Relu);
        private readonly Dense _output = new(10);

        protected override Tensor ForwardCore(Tensor x) => _output.Forward(_hidden.Forward(x));
    }

    /// <summary>The book's MySequential: children added by index into the block's own registry.</summary>
    private sealed class MySequential : Block
    {
        public void Add(Block block) => AddChild(ChildCount.ToString(System.Globalization.CultureInfo.InvariantCulture), block);

        protected override Tensor ForwardCore(Tensor x)
        {
            foreach (var (_, block) in Children) x = block.Forward(x);
            return x;
        }
    }

    /// <summary>The book's FixedHiddenMLP: a constant (not a parameter), a reused layer, and control flow on values.</summary>
    internal sealed class FixedHiddenMlp : Block
    {
        private readonly Tensor _randWeight = Tensor.RandomUniform(20, 20);   // no gradient, never trained
        private readonly Dense _linear = new(20);

        protected override Tensor ForwardCore(Tensor x)
        {
            x = (x.MatMul(_randWeight) + 1f).Relu();
            x = _linear.Forward(x);   // the same layer twice: its parameters are shared
            x = _linear.Forward(x);
            while (x.Abs().Sum().Item() > 1) x /= 2f;
            return x.Sum();
        }
    }

    /// <summary>The book's NestMLP: a Sequential kept in a field, then a Dense.</summary>
    private sealed class NestMlp : Block
    {
        private readonly Sequential _net = new() { new Dense(64, Activation.Relu), new Dense(32, Activation.Relu) };
        private readonly Dense _dense = new(16, Activation.Relu);

        protected override Tensor ForwardCore(Tensor x) => _dense.Forward(_net.Forward(x));
    }

    private static Tensor X() { Rng.Seed(7); return Tensor.RandomUniform(2, 20); }

    [Fact]
    public void Sequential_of_two_dense_layers_maps_2x20_to_2x10()
    {
        var net = new Sequential { new Dense(256, Activation.Relu), new Dense(10) };   // Gluon's net.add(...), PyTorch's nn.Sequential(...)
        net.Initialize();
        Assert.Equal(new Shape(2, 10), net.Forward(X()).Shape);
    }

    [Fact]
    public void A_custom_block_with_layers_in_fields_registers_them_under_the_field_names()
    {
        var net = new Mlp();
        net.Initialize();
        Assert.Equal(new Shape(2, 10), net.Forward(X()).Shape);
        Assert.Equal(["hidden.weight", "hidden.bias", "output.weight", "output.bias"], net.CollectParams().Keys);
        Assert.Equal(new Shape(256, 20), net.CollectParams()["hidden.weight"].Shape);
        Assert.Equal("hidden.weight", net.CollectParams()["hidden.weight"].Path);
        Assert.Contains("(hidden): Dense(20 -> 256, Activation(relu))", net.ToString());
    }

    [Fact]
    public void MySequential_runs_its_children_in_order_like_Sequential()
    {
        var net = new MySequential();
        net.Add(new Dense(256, Activation.Relu));
        net.Add(new Dense(10));
        net.Initialize();
        Rng.Seed(1);
        var reference = new Sequential { new Dense(256, Activation.Relu), new Dense(10) };
        reference.ShareParameters(net.CollectParams());
        var x = X();
        Assert.Equal(reference.Forward(x).ToArray(), net.Forward(x).ToArray());
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias"], net.CollectParams().Keys);
    }

    [Fact]
    public void FixedHiddenMlp_has_one_trained_layer_a_constant_and_value_dependent_control_flow()
    {
        var net = new FixedHiddenMlp();
        net.Initialize();
        var y = net.Forward(X());
        Assert.Equal(Shape.Scalar, y.Shape);
        Assert.True(MathF.Abs(y.Item()) <= 1f);
        Assert.Equal(["linear.weight", "linear.bias"], net.CollectParams().Keys);   // the constant is not a parameter
        var e = Assert.Throws<InvalidOperationException>(() => net.Summary(new Shape(2, 20)));
        Assert.Contains("reads tensor values", e.Message);
        Assert.Contains("Summary(Tensor.RandomUniform", e.Message);
        string summary = net.Summary(X());   // from an example: works, and changes nothing
        Assert.Contains("linear", summary);
        Assert.Contains("Total parameters: 420", summary);
    }

    [Fact]
    public void NestMlp_and_the_chimera_nest_blocks_in_fields_and_sequentials()
    {
        var chimera = new Sequential { new NestMlp(), new Dense(20), new FixedHiddenMlp() };
        chimera.Initialize();
        Assert.Equal(Shape.Scalar, chimera.Forward(X()).Shape);
        Assert.Equal(
            ["0.net.0.weight", "0.net.0.bias", "0.net.1.weight", "0.net.1.bias", "0.dense.weight", "0.dense.bias",
             "1.weight", "1.bias", "2.linear.weight", "2.linear.bias"], chimera.CollectParams().Keys);
        Assert.Equal(new Shape(16, 32), chimera.Get<Dense>("0.dense").Weight.Shape);
    }

    /// <summary>The book's CenteredLayer: no parameters, x − mean(x).</summary>
    private sealed class CenteredLayer : Block
    {
        protected override Tensor ForwardCore(Tensor x) => x - x.Mean();
    }

    [Fact]
    public void CenteredLayer_alone_and_in_a_network_gives_a_mean_of_zero()
    {
        var layer = new CenteredLayer();
        Assert.Equal([-2f, -1f, 0f, 1f, 2f], layer.Forward(Tensor.FromArray([1, 2, 3, 4, 5], 5)).ToArray());
        var net = new Sequential { new Dense(128), new CenteredLayer() };
        net.Initialize();
        var y = net.Forward(Tensor.RandomUniform(4, 8));
        Assert.True(MathF.Abs(y.Mean().Item()) < 1e-6f);
    }

    /// <summary>The book's MyDense: weight (in, units) and bias, y = relu(x·W + b); the input size given or inferred.</summary>
    private sealed class MyDense : Block
    {
        private readonly Parameter _weight;
        private readonly Parameter _bias;
        private readonly int _units;

        public MyDense(int units, int inUnits = Shape.Unknown)
        {
            _units = units;
            _weight = AddParameter("weight", new Shape(inUnits, units));
            _bias = AddParameter("bias", new Shape(units));
        }

        protected override void InferShapes(Tensor x) => RefineShape(_weight, new Shape(x.Shape[^1], _units), x, "input features");

        protected override Tensor ForwardCore(Tensor x) => (x.MatMul(_weight.Data()) + _bias.Data()).Relu();
    }

    [Fact]
    public void MyDense_given_its_input_size_is_filled_at_once_and_inferred_it_is_filled_at_the_first_forward()
    {
        var given = new MyDense(3, inUnits: 5);
        given.Initialize();
        Assert.Equal(new Shape(5, 3), given.Params["weight"].Data().Shape);
        var w = given.Params["weight"].Data().ToArray();
        var b = given.Params["bias"].Data().ToArray();
        var x = Tensor.RandomUniform(2, 5);
        var y = given.Forward(x).ToArray();
        var xs = x.ToArray();
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
            {
                float s = b[j];
                for (int k = 0; k < 5; k++) s += xs[i * 5 + k] * w[k * 3 + j];
                Assert.Equal(MathF.Max(s, 0), y[i * 3 + j], 5);
            }

        var inferred = new Sequential { new MyDense(8), new MyDense(1) };
        inferred.Initialize();
        Assert.Equal(["0.weight", "1.weight"], inferred.PendingParameters());
        Assert.Equal(new Shape(2, 1), inferred.Forward(Tensor.RandomUniform(2, 64)).Shape);
        Assert.Equal(new Shape(64, 8), inferred.CollectParams()["0.weight"].Shape);
        Assert.Equal(new Shape(8, 1), inferred.CollectParams()["1.weight"].Shape);
    }
}
