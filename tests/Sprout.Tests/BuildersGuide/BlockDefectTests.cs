using Sprout.Init;
using Sprout.Nn;

namespace Sprout.Tests.BuildersGuide;

/// <summary>The defects issue 15 lists, each in the scenario a new user meets.</summary>
public class BlockDefectTests
{
    /// <summary>Keeps its layers in fields and reads them in Forward, as the book's code does.</summary>
    private sealed class FieldMlp : Block
    {
        public Dense Hidden { get; } = new(16, Activation.Relu);
        private readonly List<Dense> _heads = [new Dense(3), new Dense(3)];

        protected override Tensor ForwardCore(Tensor x)
        {
            var h = Hidden.Forward(x);
            return _heads[0].Forward(h) + _heads[1].Forward(h);
        }
    }

    [Fact]
    public void The_clone_of_a_field_keeping_block_computes_with_its_own_copies()
    {
        var net = new FieldMlp();
        net.Initialize();
        var x = Tensor.RandomUniform(2, 5);
        var before = net.Forward(x).ToArray();
        var clone = (FieldMlp)net.Clone();
        Assert.NotSame(net.Hidden, clone.Hidden);
        Assert.Same(clone.Hidden, clone.Get<Dense>("hidden"));
        Assert.Equal(["hidden.weight", "hidden.bias", "heads.0.weight", "heads.0.bias", "heads.1.weight", "heads.1.bias"], clone.CollectParams().Keys);
        foreach (var p in net.CollectParams().Values) p.Data().AsSpan().Fill(0.5f);   // change the original only
        Assert.Equal(before, clone.Forward(x).ToArray());
        Assert.NotEqual(before, net.Forward(x).ToArray());
        Assert.False(clone.CollectParams()["heads.1.weight"].IsTiedTo(net.CollectParams()["heads.1.weight"]));
    }

    [Fact]
    public void An_unfilled_clone_of_a_field_keeping_block_fills_on_its_own()
    {
        var net = new FieldMlp();
        net.Initialize();
        var clone = (FieldMlp)net.Clone();
        clone.Forward(Tensor.RandomUniform(2, 7));
        Assert.Equal(new Shape(16, 7), clone.Hidden.Weight.Shape);
        Assert.Equal(new Shape(16, -1), net.Hidden.Weight.Shape);
    }

    /// <summary>The book's Nadaraya–Watson regression (11.2): a learnable width kept in a field, no child layers.</summary>
    private sealed class KernelWidth : Block
    {
        private readonly Parameter _w = new("w", new Shape(1));

        protected override Tensor ForwardCore(Tensor x) => (x * _w.Data()).Square();
    }

    [Fact]
    public void Initialize_as_the_first_call_fills_a_parameter_kept_in_a_field()
    {
        // Initialize walked the block's parameters before registering its fields, so "w" stayed unfilled and the
        // forward pass then asked for the Initialize() that had just been called.
        var net = new KernelWidth();
        net.Initialize(new Constant(2f));
        Assert.Equal([4f, 16f], net.Forward(Tensor.FromArray([1f, 2f], 2)).ToArray());
        Assert.Equal(["w"], net.CollectParams().Keys);
        var nested = new Sequential { new KernelWidth() };   // inside a container too
        nested.Initialize(new Constant(3f));
        Assert.Equal([9f], nested.Forward(Tensor.FromArray([1f], 1)).ToArray());
    }

    /// <summary>A layer that caches its parameter in a field and computes with that field.</summary>
    private sealed class CachingScale : Block
    {
        private readonly Parameter _scale;

        public CachingScale() => _scale = AddParameter("scale", new Shape(Shape.Unknown));

        protected override void InferShapes(Tensor x) => RefineShape(_scale, new Shape(x.Shape[^1]), x, "features");

        protected override Tensor ForwardCore(Tensor x) => x * _scale.Data();
    }

    [Fact]
    public void A_shared_parameter_is_used_by_a_layer_that_keeps_it_in_a_field()
    {
        var a = new Sequential { new CachingScale() };
        a.Initialize(new Uniform(1f));
        var x = Tensor.RandomUniform(2, 4);
        var ya = a.Forward(x).ToArray();
        var b = new Sequential { new CachingScale() };
        b.Initialize(new Constant(3f));
        Assert.Equal(1, b.ShareParameters(a.CollectParams()));
        Assert.Equal(ya, b.Forward(x).ToArray());
        a.CollectParams()["0.scale"].Data().AsSpan().Fill(2f);
        Assert.Equal(x.ToArray().Select(v => v * 2f), b.Forward(x).ToArray());
    }

    [Fact]
    public void Per_block_Initialize_of_two_same_shaped_layers_gives_different_weights_and_full_paths()
    {
        var net = new Sequential { new Dense(4, inUnits: 4), new Dense(4, inUnits: 4) };
        var init = new Sprout.Tests.Nn.RecordingInit();
        net[0].Initialize(new Xavier());
        net[1].Initialize(new Xavier());
        Assert.NotEqual(net.CollectParams()["0.weight"].Data().ToArray(), net.CollectParams()["1.weight"].Data().ToArray());
        Assert.Equal("Parameter 1.weight (shape=(4, 4), dtype=float32)", net[1].Params["weight"].ToString());
        net[1].Initialize(init, forceReinit: true);
        Assert.Equal("1.weight", init.Calls.Single().Name);
    }

    private static Sequential Mlp() => new() { new Dense(8, Activation.Relu), new Dense(2) };

    private static (float[] A, float[] B) TwoInTurn(ulong seed)
    {
        Rng.Seed(seed);
        var a = Mlp();
        a.Initialize();
        var b = Mlp();
        b.Initialize();
        var x = Tensor.Ones(1, 3);
        return (a.Forward(x).ToArray(), b.Forward(x).ToArray());
    }

    [Fact]
    public void Two_networks_initialized_in_turn_differ_and_rerunning_the_program_reproduces_both()
    {
        var (a, b) = TwoInTurn(11);
        Assert.NotEqual(a, b);
        var (a2, b2) = TwoInTurn(11);
        Assert.Equal(a, a2);
        Assert.Equal(b, b2);

        Rng.Seed(11);
        var net = Mlp();
        net.Initialize();
        net.Forward(Tensor.Ones(1, 3));
        var first = net.CollectParams()["0.weight"].Data().ToArray();
        net.Initialize(forceReinit: true);
        Assert.NotEqual(first, net.CollectParams()["0.weight"].Data().ToArray());   // a forced re-initialization draws anew
    }

    [Fact]
    public void A_layers_own_bias_initializer_fills_the_bias_as_given()
    {
        var dense = new Dense(3, inUnits: 2, biasInitializer: new One());
        dense.Initialize();
        Assert.Equal([1f, 1f, 1f], dense.Bias!.Data().ToArray());
        var bn = new BatchNorm(gammaInitializer: new Constant(2f), betaInitializer: new One());
        bn.Initialize();
        bn.Forward(Tensor.Ones(2, 3));
        Assert.Equal([2f, 2f, 2f], bn.Gamma.Data().ToArray());
        Assert.Equal([1f, 1f, 1f], bn.Beta.Data().ToArray());
        Assert.Equal([0f, 0f, 0f], bn.RunningMean.Data().ToArray());   // buffers keep their role's fill
        Assert.Equal([1f, 1f, 1f], bn.RunningVar.Data().ToArray());
    }

    [Fact]
    public void Buffers_are_saved_with_the_parameters_but_never_trained()
    {
        var net = new Sequential { new Dense(3), new BatchNorm() };
        net.Initialize();
        net.Build(new Shape(4, 2));
        Assert.True(net.CollectParams()["1.running_mean"].IsBuffer);
        Assert.False(net.CollectParams()["1.gamma"].IsBuffer);
        var trainer = new Sprout.Training.Trainer(net.CollectParams(), new Sprout.Training.Sgd(1f));
        using (Sprout.Autograd.Record()) net.Forward(Tensor.RandomUniform(4, 2)).Sum().Backward();
        var stats = net.CollectParams()["1.running_var"].Data().ToArray();
        trainer.Step(4);
        Assert.Equal(stats, net.CollectParams()["1.running_var"].Data().ToArray());
    }

    /// <summary>Runs the blocks of a list it holds itself, as the book's ViT runs its Transformer blocks.</summary>
    private sealed class ListRunner : Block
    {
        public ListRunner(int secondInputs) => Layers = AddChild("layers", new BlockList([new Dense(5), new Dense(4, inUnits: secondInputs)]));

        public BlockList Layers { get; }

        protected override Tensor ForwardCore(Tensor x)
        {
            foreach (var layer in Layers) x = layer.Forward(x);
            return x;
        }
    }

    [Fact]
    public void Blocks_run_from_a_list_the_running_block_holds_are_named_by_their_full_path()
    {
        var net = new ListRunner(secondInputs: 5);
        net.Initialize();
        string summary = net.Summary(new Shape(2, 3));
        Assert.Contains("layers.0 ", summary);
        Assert.Contains("layers.1 ", summary);
        // Given 6 inputs, layers.1 gets layers.0's 5: the error names it where it sits.
        var wrong = new ListRunner(secondInputs: 6);
        wrong.Initialize();
        var e = Assert.Throws<ShapeMismatchException>(() => wrong.Forward(Tensor.RandomUniform(2, 3)));
        Assert.Contains("'layers.1", e.Message);
    }
}
