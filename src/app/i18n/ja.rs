//! The page in Japanese.

use super::{LessonVerdict, LessonWords, Texts};
use crate::app::note::{CameraProblem, Note, Why, Work};
use crate::attacks::{Method, Param, Range, Start, Transform};
use crate::worker::protocol::{Part, PartError, PhotoProblem, Say};

pub static JA: Texts = Texts {
    language: "言語",
    tagline: "写真を入れると、目に見えないほどの小さなノイズで ImageNet の画像分類器がだまされる様子を見られます。計算はすべてあなたの端末の中で行われ、写真が外に出ることはありません。",
    benchmark: "ベンチマーク",
    credits: " · EfficientNet-Lite の重み: Apache-2.0 · サンプル写真: scikit-image (CC0 / パブリックドメイン)",
    model: "モデル ",
    loading: |model, received, total| match total {
        Some(t) => format!("{model} を読み込み中: {received:.1} / {t:.1} MB"),
        None => format!("{model} を読み込み中: {received:.1} MB"),
    },
    starting: "起動中…",
    measuring_devices: "CPU と WebGPU で 1 ステップの時間を計測中（速い方を使います）…",
    device_timing: |timing| {
        let cpu = match timing.cpu.as_ref().map(|m| (m.threads, m.ms)) {
            Some((threads, ms)) => format!("CPU（{threads} スレッド）: 1 ステップ {ms:.0} ms"),
            None => "CPU: 計測できず".into(),
        };
        let webgpu = match (&timing.webgpu, &timing.software_adapter) {
            (Some(m), _) => format!("WebGPU（{}）: {:.0} ms", m.adapter, m.ms),
            (None, Some(adapter)) => format!("WebGPU（{adapter}）: ソフトウェア描画のため計測せず"),
            (None, None) => "WebGPU: 計測できず".into(),
        };
        format!("このブラウザでの計測: {cpu}、{webgpu}。")
    },
    use_cpu: "CPU を使う",
    try_webgpu: "WebGPU を試す",
    drop_hint: "ここに写真をドロップするか、貼り付けるか、",
    choose_file: "ファイルを選んでください",
    no_photo: "まだ写真がありません",
    photo_as_seen: "モデルから見た写真: ",
    what_model_sees: "モデルの答え",
    camera_open: "カメラで写真を撮る",
    camera_take: "撮影",
    camera_switch: "カメラを切り替え",
    camera_close: "閉じる",
    camera_view: "カメラの映像",
    live_start: "ライブで分類",
    live_stop: "ライブを止める",
    live_title: "ライブ: 各フレームがモデルにどう見えるか",
    live_waiting: "最初のフレームを待っています…",
    live_fps: |fps, ms| match ms {
        Some(ms) => format!("毎秒 {fps:.1} フレーム · ワーカーで 1 フレーム {ms:.0} ms"),
        None => format!("毎秒 {fps:.1} フレーム"),
    },
    live_chart: |class, seconds| format!("直近 {seconds} 秒の {class} の確率"),
    attack: "攻撃",
    method: "手法 ",
    method_title: |method| match method {
        Method::Fgsm => "高速勾配符号法 (FGSM)",
        Method::FgsmTargeted => "クラス指定の FGSM",
        Method::Ifgsm => "反復 FGSM (BIM)",
        Method::LeastLikely => "反復最小尤度法 (ILLC)",
        Method::Targeted => "反復クラス指定",
        Method::Pgd => "PGD (ランダムな開始点)",
        Method::MiFgsm => "モーメンタム反復 FGSM",
        Method::DiFgsm => "入力多様化 FGSM (DI)",
        Method::CwL2 => "Carlini-Wagner L2",
        Method::DeepFool => "DeepFool (最小の L2)",
        Method::Fooling => "だまし画像 (ノイズから)",
        Method::ApgdCe => "APGD-CE (歩幅の自動調整)",
        Method::ApgdT => "APGD-T (クラス指定の DLR)",
        Method::Square => "Square (確率だけ、勾配なし)",
    },
    explain: |method| match method {
        Method::Fgsm => {
            "正解クラスの損失の勾配の符号の向きに、大きさ ε の一歩を進みます (Goodfellow ら 2015)。"
        }
        Method::FgsmTargeted => "選んだクラスの損失を下げる向きに、大きさ ε の一歩を進みます。",
        Method::Ifgsm => {
            "損失を上げる向きに小さな歩幅で進み、毎回 ε の範囲に切り詰めます (Kurakin ら 2017)。"
        }
        Method::LeastLikely => {
            "モデルがこの写真で最もありえないと考えるクラスに向かって、小さな歩幅で進みます (Kurakin ら 2017)。"
        }
        Method::Targeted => "あなたが選んだクラスに向かって、小さな歩幅で進みます。",
        Method::Pgd => "ε の範囲内のランダムな点から始める反復 FGSM です (Madry ら 2018)。",
        Method::MiFgsm => {
            "勾配にモーメンタムをかけた反復 FGSM で、ほかのモデルもだましやすくなります (Dong ら 2018)。"
        }
        Method::DiFgsm => {
            "各ステップでランダムに縮小・余白追加した写真を見る反復 FGSM で、ほかのモデルもだましやすくなります (Xie ら 2019)。"
        }
        Method::CwL2 => {
            "余裕 κ をもってモデルをだます、L2 で測って最小の変化を探します (Carlini & Wagner 2017)。小さなステップを多く踏むので時間がかかります。"
        }
        Method::DeepFool => {
            "勾配が示す最も近い決定境界まで進み、そのすぐ先へ出ます。L2 で最小の変化です (Moosavi-Dezfooli ら 2016)。"
        }
        Method::Fooling => {
            "写真ではなく灰色やノイズから始め、あなたが選んだクラスだとモデルが確信するまで登ります (Nguyen ら 2015)。"
        }
        Method::ApgdCe => {
            "歩幅を自分で決める PGD です。大きな歩幅で始め、損失が伸びなくなるたびに半分にし、モーメンタムも使います (Croce と Hein 2020)。この分野の頑健性の基準 AutoAttack の最初の攻撃です。"
        }
        Method::ApgdT => {
            "写真で次にありそうなクラスに順に狙いを定める APGD で、モデルの自信の大きさに左右されない損失を使います (Croce と Hein 2020)。"
        }
        Method::Square => {
            "ブラックボックス攻撃です。モデルの上位 5 クラスの確率しか見ず、勾配は一切使いません。±ε のランダムな正方形を試し、モデルの余裕を減らすものだけを残します (Andriushchenko ら 2020)。勾配を隠しても守りにはなりません。"
        }
    },
    eps: |eps| format!("ε = {eps} / 255"),
    eps_slider: "変化の上限 ε (255 段階)",
    no_eps_fooling: "ε はありません。だまし画像は一から作られます。",
    no_eps_l2: "ε はありません。この攻撃はモデルをだます最小の変化 (L2) を探します。",
    step_size: "歩幅 α ",
    steps: "ステップ数 ",
    early_stop: " 目的を達したらすぐに止める",
    full_size: |size| {
        let size = size.map(|(w, h)| format!(" ({w}×{h})")).unwrap_or_default();
        format!(" 写真を元の大きさ{size}のまま攻撃する (オフ: モデル用の正方形の切り抜き)")
    },
    crop_only: |method| match method {
        Method::Fooling => "モデル用の正方形で作ります: だまし画像には元の写真がありません。",
        Method::DiFgsm => {
            "モデル用の正方形の切り抜きで攻撃します: DI-FGSM の縮小と余白追加はモデルの入力に対するものです。"
        }
        _ => "モデル用の正方形の切り抜きで攻撃します: EOT の変換はモデルの入力に対するものです。",
    },
    run: "実行",
    cancel: "中止",
    lesson_open: "ガイド付きレッスン: あなたの写真で分類器がだまされるしくみ",
    lesson_label: "ガイド付きレッスン",
    lesson: [
        LessonWords {
            title: "1. モデルに見えているもの",
            text: "分類器は写真を、ImageNet の 1000 クラスそれぞれの確率に変えます。これはあなたの写真に対する上位 5 つの答えです。",
        },
        LessonWords {
            title: "2. どちらに動かすと困るか: 勾配の符号",
            text: "画素についての損失 J の勾配は、画素と色ごとに、どちらに動かすとモデルが正解に自信をなくすかを教えます。その符号 (+1 か -1) が下の真ん中の図です。どの値もちょうど 1/255 だけ動き、動かなかったところは灰色です。",
        },
        LessonWords {
            title: "3. 一歩で: FGSM",
            text: "すべての画素の値を、その符号の向きに ε だけ一度に動かします (高速勾配符号法)。ε = 8 なら、どの値も 255 段階のうち 8 までしか変わりません。目にはほとんど見えませんが、モデルの答えを変えるにはしばしば十分です。",
        },
        LessonWords {
            title: "4. 小さな歩幅で何度も、切り詰めながら",
            text: "反復 FGSM は 1/255 ずつ進み、毎回、元の写真から ε 以内で、画素として正しい範囲に画像を切り詰めます。大きな一歩より少ない変化で済みます。",
        },
        LessonWords {
            title: "5. クラスを狙う: テナガザルになるパンダ",
            text: "正解の損失を上げる代わりに、選んだクラスの損失を下げると、モデルにはそのクラスが見えるようになります。ここでは有名なパンダの絵と同じく、テナガザル (gibbon) を狙います。",
        },
        LessonWords {
            title: "6. 反復最小尤度法",
            text: "このレッスンが下敷きにした 2018 年の記事「今更聞けない!? Adversarial Examples」のお気に入りです。この写真でモデルが最もありえないと考えるクラス、つまり最もばかげた答えを狙います。",
        },
        LessonWords {
            title: "7. ほかのモデルもだませるか",
            text: "この画像は一つのモデル用に作られました。ほかのモデルがまったく同じ画素を判定します。2018 年の記事では、このような転移はまれでした。",
        },
        LessonWords {
            title: "8. JPEG で保存しても残るか",
            text: "写真は JPEG で共有されることが多く、JPEG は細かな模様を捨てます。そして摂動はまさに細かな模様です。画像を 3 つの品質の JPEG で保存し (縮小とフィルタも)、モデルがそれぞれを判定します。",
        },
    ],
    lesson_back: "戻る",
    lesson_next: "次へ",
    lesson_close: "閉じる",
    lesson_of: |k, n| format!("{k} / {n}"),
    lesson_no_photo: "写真、サンプル、またはカメラを選ぶと始まります。",
    computing: "計算中…",
    lesson_wait: "結果が出たら、もう一度「次へ」を押してください。",
    lesson_sees: |guesses| format!("モデルの答え: {guesses}。"),
    lesson_sign: |linf, class, prob| {
        format!(
            "どの値もちょうど 1/255 だけ動きました (最大の変化 {linf})。この一歩のあと、モデルの答えは {class} ({prob}) です。"
        )
    },
    lesson_judged: |model, sees, verdict| {
        let word = match verdict {
            LessonVerdict::WrongBefore => "元の写真ですでに不正解",
            LessonVerdict::Fooled => "これもだまされた",
            LessonVerdict::NotFooled => "だまされなかった",
        };
        format!("{model} の答えは {sees}: {word}")
    },
    lesson_transfer: |lines| format!("{lines}。"),
    lesson_no_judge: "ほかのモデルは判定しませんでした。",
    lesson_no_result: "保存する結果がまだありません。",
    lesson_jpeg: |checks| {
        format!(
            "{checks}。(「消えた」: モデルがまた正解する。「-」: 元の写真でも JPEG でモデルが間違える。)"
        )
    },
    lesson_jpeg_check: |quality, survived| {
        let word = match survived {
            Some(true) => "残った",
            Some(false) => "消えた",
            None => "-",
        };
        format!("JPEG 品質 {quality}: {word}")
    },
    chart_title: "ステップごとの確率",
    chart_steps: |n| format!("{n} ステップ"),
    chart_true: "正解クラス",
    chart_target: "狙ったクラス",
    sees_now: "攻撃後のモデルの答え",
    rounded_note: "8 ビットに丸めた後の敵対的画像への答えです。ダウンロードされる PNG そのものです。",
    attack_running: "攻撃を実行中です。",
    attacking: "攻撃中…",
    original: "元の写真",
    original_alt: "モデルから見た元の写真",
    perturbation: |amplify| format!("摂動 × {amplify}"),
    perturbation_alt: |amplify| format!("灰色を中心に {amplify} 倍に拡大した摂動"),
    amplify: "摂動の拡大率",
    adversarial: "敵対的画像",
    made_from: |start, class, prob| {
        let start = match start {
            Start::Grey => "灰色",
            Start::Noise => "ノイズ",
        };
        format!(
            "{start}から作りました: モデルにはこれが {class} ({:.1}%) に見えます。",
            prob * 100.0
        )
    },
    wrong_before: |saw, truth| {
        format!("攻撃の前からモデルは間違えていました: {truth} ではなく {saw} と答えています。")
    },
    fooled: |from, to, prob, linf| {
        format!(
            "だまされました: {from} が {to} ({:.1}%) になりました。各画素の変化は最大 {linf} / 255 です。",
            prob * 100.0
        )
    },
    not_fooled: |still, prob| {
        format!(
            "だまされませんでした: まだ {still} ({:.1}%) です。",
            prob * 100.0
        )
    },
    target: |name, hit| {
        if hit {
            format!(" 狙ったクラス {name} が見えています。")
        } else {
            format!(" 狙ったクラスは {name} でした。")
        }
    },
    lattice: |steps, rescued| {
        if rescued {
            format!(
                "8 ビットに丸めると攻撃が消えましたが、8 ビット画像の上での {steps} 回の整数段階の一歩で取り戻しました。"
            )
        } else {
            format!(
                "8 ビットに丸めると攻撃が消え、{steps} 回の整数段階の一歩でも取り戻せませんでした。"
            )
        }
    },
    attacked_on: |names| format!("アンサンブル {names} で攻撃しました: 答えはその平均です。"),
    steps_run: "ステップ数",
    download_adversarial: "敵対的画像を PNG で保存",
    download_perturbation: "摂動 (×10) を保存",
    share_card: "共有カード (PNG)",
    card_title: |fooled| {
        let verdict = if fooled {
            "だまされた"
        } else {
            "だまされなかった"
        };
        format!("敵対的サンプル: モデルは{verdict}")
    },
    card_caption: |panel, class, prob| format!("{panel}: {class} ({:.0}%)", prob * 100.0),
    card_footer: |model, method, budget, linf| {
        format!(
            "{model} · {method} · {budget} · 最大の変化 {linf}/255 · Gibbon でブラウザの中で作成"
        )
    },
    transfer_title: "ほかのモデルへの転移",
    transfer_note: "同じ 8 ビットの敵対的画像を、ほかのモデルがそれぞれの入力の大きさで判定します。2018 年の記事「今更聞けない!? Adversarial Examples」の change_model の手順と同じです。「だまされた」は、モデルの答えが間違いになった (自分の写真なら、変わった) という意味です。",
    transfer_run: "ほかのモデルで試す",
    transfer_testing: "判定中…",
    column_model: "モデル",
    column_verdict: "判定",
    transfer_word: |word| match word {
        "target" => "だまされた: 狙ったクラスに見える",
        "fooled" => "だまされた",
        "held" => "だまされなかった",
        _ => "元の写真ですでに不正解",
    },
    matrix_title: "転移の行列",
    matrix_note: "今の写真を (最後の攻撃の設定で) すべてのモデルで攻撃し、すべてのモデルにすべての結果を判定させます。加えた写真は、そろった時点で数えられます。各マスは、列のモデルで作った画像に行のモデルがだまされた割合を、攻撃前から間違えていた写真を除いて、95% 区間とともに示します。",
    matrix_run: "この写真を行列に加える",
    matrix_running: "すべてのモデルで攻撃中…",
    matrix_corner: "判定 \\ 作成",
    survival_title: "共有しても残るか",
    survival_note: "敵対的画像を、このブラウザで JPEG に保存し、チャットアプリのように縮小し、色数を減らし、メディアンフィルタをかけます。それぞれを攻撃したモデルが判定します。同じ変化を加えた元の写真がまだ正しく認識される場合だけを数えます。",
    survival_run: "JPEG、縮小、フィルタで確かめる",
    survival_checking: "確認中…",
    survival_summary: |survived, counted| {
        format!("元の写真が耐える {counted} 通りの変化のうち、{survived} 通りで攻撃が残ります。")
    },
    transform: |t| match t {
        Transform::Jpeg { quality } => format!("JPEG 品質 {quality}"),
        Transform::Scale { factor } => format!("{:.0}% に縮小", factor * 100.0),
        Transform::Bits { bits } => format!("{bits} ビットの色"),
        Transform::Median3 => "3×3 メディアンフィルタ".into(),
    },
    survival_word: |survived| match survived {
        None => "元の写真も認識されない",
        Some(true) => "まだだまされる",
        Some(false) => "攻撃が消えた",
    },
    survival_alt: |what, word, sees| format!("{what}: {word}。モデルの答えは {sees}"),
    sweep_title: "ε を変えて試す",
    sweep_note: |eps| {
        format!(
            "この写真を ε = {eps} で、最後の攻撃の手法 (まだなければ I-FGSM) で攻撃します。歩幅とステップ数は ε ごとの既定値です。ノイズはどこまで小さくできるでしょうか。"
        )
    },
    sweep_run: "ε を変えて試す",
    sweeping: "試行中…",
    sweep_fooled: "だまされた (1 = はい)",
    sweep_true_class: "p(正解クラス)",
    sweep_chart: |method| format!("この写真での {method}、ε ごと"),
    sweep_point: |eps, fooled, p| {
        let word = if fooled {
            "だまされた"
        } else {
            "耐えた"
        };
        format!("ε {eps}: {word} (p(正解クラス) {p:.2})")
    },
    sweep_empty: "ε に対する成功と正解クラスの確率: まだ試していません。",
    own_model: "自分のモデル: VGG16、ResNet、GoogLeNet…",
    own_model_note: "使える重み: torchvision の .pth (vgg16-397923af.pth、resnet152-394f9c45.pth、googlenet-1378be20.pth)、同じ名前の safetensors (f16 か f32。",
    own_model_convert: " で小さなものを作れます)、Chainer の .npz (VGG_ILSVRC_16_layers.npz、ResNet-152-model.npz、bvlc_googlenet.npz)。",
    own_model_read_here: " ファイルはこのブラウザの中で読み込まれます。",
    architecture: "構造 ",
    weights_file: "重みファイルを選ぶ",
    weights_url: "またはこのサイトのパス: models/vgg16.f16.safetensors",
    weights_load: "読み込む",
    refine: |steps| format!(" 8 ビットに丸めて攻撃が消えたら、整数段階の一歩を最大 {steps} 回追加"),
    eot: |views| match views {
        0 | 1 => "JPEG や縮小への強さ: なし".to_string(),
        n => format!("JPEG や縮小への強さ: 1 ステップあたり {n} 通りの見え方 (時間は {n} 倍)"),
    },
    eot_slider: "頑健な画像のための、1 ステップあたりのランダムな見え方 (JPEG、縮小、ずらし) の数",
    restarts: |n| format!("ランダムな再開: {n} 回"),
    restarts_slider: "ランダムな再開の回数",
    targets: |n| format!("順に狙うクラス: {n:.0} 個"),
    targets_slider: "APGD-T が狙う、写真で次にありそうなクラスの数",
    queries: |n| format!("問い合わせの上限: {n:.0} 回"),
    queries_slider: "ブラックボックスがモデルに問い合わせてよい回数",
    black_box: "ブラックボックス: 攻撃者に見えるのは、Web サービスが返すようなモデルの上位 5 クラスの確率だけで、勾配は一切見えません。下の数はモデルへの問い合わせの回数です。",
    progress_steps: |done, planned| format!("ステップ {done} / {planned}"),
    progress_queries: |done, planned| format!("モデルへの問い合わせ {done} / {planned} 回"),
    progress_matrix: "すべてのモデルを攻撃しています…",
    progress_sweep: "ε を変えて攻撃しています…",
    progress_transfer: "ほかのモデルで確かめています…",
    progress_survival: "JPEG や縮小を確かめています…",
    progress_preparing: "準備しています…",
    diversity: |p| format!("多様化: ステップの {:.0}% で変形", p * 100.0),
    diversity_slider: "変形したコピーを見るステップの割合",
    kappa: |k| format!("余裕 κ = {k}"),
    kappa_slider: "余裕 κ (ロジット単位)",
    search_rounds: |n| format!("c の探索回数: {n}"),
    search_slider: "c の二分探索の回数",
    overshoot: |o| format!("行き過ぎ: {o}"),
    overshoot_slider: "境界をどれだけ越えて進むか",
    threshold: |p| format!("p ≥ {p:.2} で止める"),
    threshold_slider: "到達させたい狙ったクラスの確率",
    tv: |w| format!("なめらかさの事前分布 (全変動): {w}"),
    tv_slider: "全変動の事前分布の重み",
    start_noise: " ノイズから始める (しなければ灰色)",
    ensemble_legend: "アンサンブル: 一緒に攻撃するモデル",
    target_class: |required| {
        if required {
            "狙うクラス "
        } else {
            "狙うクラス (任意) "
        }
    },
    target_placeholder: "クラス名を英語で入力 (例: gibbon)",
    target_chosen: |name, index| format!("狙うクラス: {name} ({index})"),
    no_target: "狙うクラスはまだ選ばれていません",
    universal_title: "これらの写真から万能ノイズを作る",
    universal_note: "少数の写真から学ぶ一つのノイズで、加えた写真の多く (見たことのない写真も) でモデルの答えを変えます (Moosavi-Dezfooli ほか 2017)。写真のランダムな切り抜きと左右反転について勾配を上って学びます。",
    training_gallery: |n| format!("ギャラリーの {n} 枚の写真"),
    training_added: |n| format!("自分の写真とカメラの画像 {n} 枚"),
    training_add_photo: "今の写真を加える",
    training_add_frame: "カメラの画像を加える",
    training_clear: "消す",
    cpu_steps: |steps, default| {
        format!(
            "CPU では、入力しない限り {steps} ステップで学びます (コマンドラインの既定は {default} で、ここでは数分かかります)。ステップを増やすほどよく効きます。"
        )
    },
    universal_make: "ノイズを作る",
    universal_progress: |step, steps, fooled, left| {
        let left = left
            .map(|s| format!("・残り約 {s:.0} 秒"))
            .unwrap_or_default();
        format!(
            "ステップ {step} / {steps}・このステップの画像の {:.0}% をだました{left}",
            fooled * 100.0
        )
    },
    universal_done: |eps, steps, fooled, counted, seconds| {
        format!(
            "ε = {eps} / 255 のノイズ ({steps} ステップ、{seconds:.0} 秒): 学んだ {counted} 枚のうち {fooled} 枚でモデルの答えを変えます。"
        )
    },
    noise_alt: |eps, amplify| {
        format!("万能ノイズ (ε = {eps} / 255)、見えるように {amplify:.0} 倍に強調")
    },
    noise_download: "ノイズをダウンロード (PNG)",
    noise_upload: "ノイズの PNG を使う",
    noise_apply_photo: "写真に加える",
    noise_apply_camera: "カメラに加える: ノイズありとなしのライブ上位 5 件",
    noise_verdict: |clean, noisy, changed| {
        if changed {
            format!("ノイズなしでは {clean}、ノイズありでは {noisy}: だまされました。")
        } else {
            format!("ノイズがあってもなくてもモデルには {clean} に見えます: だまされていません。")
        }
    },
    noisy_photo_alt: "ノイズを加えた写真 (モデルが見る画像)",
    live_without: "ノイズなし",
    live_with: "ノイズあり",
    patch_title: "印刷できるパッチを作る",
    patch_note: "ランダムな位置・大きさ・向き・明るさと、カメラを模した変換について学ぶ丸いステッカーで、どこに置いてもモデルに目標のクラスを見せます (Brown ほか 2017)。印刷してカメラにかざしてください。",
    patch_make: "新しいパッチを作る",
    patch_batch: "1 ステップの写真の数 ",
    patch_resume: |done, steps| format!("続きから (ステップ {done} / {steps})"),
    patch_progress: |step, steps, hits, left| {
        let left = left
            .map(|s| format!("・残り約 {s:.0} 秒"))
            .unwrap_or_default();
        format!(
            "ステップ {step} / {steps}・このステップの配置の {:.0}% が目標に見えた{left}",
            hits * 100.0
        )
    },
    patch_kept: |target, done, steps, per_step| {
        let speed = per_step
            .map(|s| format!(" (1 ステップ {s:.1} 秒)"))
            .unwrap_or_default();
        format!(
            "{target} に向けたパッチ: {steps} ステップのうち {done}{speed}。このブラウザーに保存しています。"
        )
    },
    patch_place: "パッチを置いた写真",
    patch_place_hint: "パッチを写真の上へドラッグするか、写真にフォーカスして矢印キーで動かし、+ と − で大きさを変えてください。",
    patch_scale: |scale| format!("パッチの大きさ: 写真の {:.0}%", scale * 100.0),
    patch_scale_slider: "パッチの大きさ (写真に対する割合)",
    patch_verdict: |seen, prob, target, hit| {
        if hit {
            format!(
                "パッチがあるとモデルには {seen} ({:.0}%) に見えます: 目標どおりです。",
                prob * 100.0
            )
        } else {
            format!(
                "パッチがあるとモデルには {seen} ({:.0}%) に見えます。目標の {target} にはまだなっていません。",
                prob * 100.0
            )
        }
    },
    patch_live: "カメラの画像にパッチを貼る (中央、この大きさで)",
    patch_diameter: "直径 (cm) ",
    patch_print: "印刷",
    patch_download: "印刷用にダウンロード (PNG、300 dpi)",
    patch_print_alt: |cm| format!("印刷用のパッチ、直径 {cm:.1} cm、切り取り線つき"),
    details: "詳細",
    close_notice: "このお知らせを閉じる",
    page_broke: "このページで問題が起きました。再読み込みして始め直してください。写真があなたの端末から出たことはありません。",
    say,
    note,
};

fn say(say: &Say) -> String {
    match say {
        Say::NotUnderstood => {
            "ページが送った依頼を計算部分が理解できませんでした (Gibbon の版が二つ混ざっている?)。ページを再読み込みしてください。".into()
        }
        Say::DeviceLost => "グラフィックス装置が失われました。Gibbon を起動し直しています。".into(),
        Say::NoWebGpu => {
            "このブラウザではここで WebGPU が使えないため、CPU で計算します。遅くなりますが、結果は同じです。".into()
        }
        Say::PlainHttp => {
            "このページは暗号化されていない http で開かれています。ブラウザはそこで WebGPU もオフライン利用も許さないため、CPU で計算します (遅くなりますが、結果は同じです)。両方を使うには https か localhost で開いてください。".into()
        }
        Say::LoadWeightsFirst(model) => format!(
            "先に {} の重みを読み込んでください (「自分のモデル」)。",
            model.display_name()
        ),
        Say::ModelUnreadable(model) => format!("{} を読み込めませんでした。", model.display_name()),
        Say::NotWeights(file) => format!("{file} は Gibbon が使える重みファイルではありません。"),
        Say::WrongWeights { file, model } => {
            format!("{file} には {} の重みが入っていません。", model.display_name())
        }
        Say::PhotoUnreadable(name) => format!("{name} を読み込めませんでした。"),
        Say::BadPhoto { name, why } => format!("{name}: {}", photo_problem(*why)),
        Say::ChoosePhoto => "先に写真を選んでください。".into(),
        Say::FrameUnreadable => {
            "カメラのフレームを読めなかったので、ライブ分類を止めました。".into()
        }
        Say::DeviceFailed => {
            "装置での計算に失敗しました。もう一度試すか、CPU に切り替えてください。".into()
        }
        Say::Downscaled {
            size: (w, h),
            megapixels,
            copy: (cw, ch),
        } => format!(
            "写真は {w}x{h} ですが、この装置が元の大きさで攻撃できるのは {megapixels:.0} メガピクセルまでなので、{cw}x{ch} に縮小したコピーを攻撃しました。"
        ),
        Say::NoResult => "攻撃が画像を返しませんでした。".into(),
        Say::PngFailed => "PNG を作れませんでした。".into(),
        Say::Part(PartError::Missing(part)) => format!(
            "{}が、ページと Gibbon の計算部分のあいだで届きませんでした (Gibbon の版が二つ混ざっている?)。ページを再読み込みしてください。",
            part_name(*part)
        ),
        Say::Part(PartError::WrongSize {
            part,
            width,
            height,
            expected,
            got,
        }) => format!(
            "{}の大きさが合いません ({width}x{height} 画素の {expected} バイトのはずが {got} バイト)。Gibbon の版が二つ混ざっているかもしれません。ページを再読み込みしてください。",
            part_name(*part)
        ),
        Say::CheckFailed(t) => format!("「{}」の確認に失敗しました。", (JA.transform)(*t)),
        Say::SweepPoints(max) => format!("掃引で試せる ε は 1 個から {max} 個までです。"),
        Say::BadSetting { param, value } => format!(
            "「{}」に「{value}」は使えません。{}で指定してください。",
            param_name(*param),
            allowed(*param)
        ),
        Say::SettingsRefused => "この設定では攻撃できません。理由は詳細にあります。".into(),
        Say::NoTrainingPhotos => {
            "学ぶための写真を一枚も読めませんでした。ギャラリーを選ぶか、写真やカメラの画像を加えてください。".into()
        }
        Say::TooManyPhotos(max) => format!("一度に学べる写真は {max} 枚までです。"),
        Say::TrainingSkipped(names) => format!(
            "次の写真は読めなかったので除きました: {}。",
            names.join("、")
        ),
        Say::PatchScale(scale) => format!(
            "パッチが覆うのは写真の 0 より大きく半分以下です ({scale} ではなく)。"
        ),
        Say::PrintSize(cm) => format!(
            "パッチの直径は 1 から {} cm にしてください ({cm} cm ではなく)。",
            crate::worker::protocol::MAX_PRINT_CM
        ),
    }
}

/// The page's own notices, and the worker's.
fn note(note: &Note) -> String {
    match note {
        Note::Said(said) => say(said),
        Note::Interrupted { work, why } => {
            let work = match work {
                Work::Attack => "攻撃",
                Work::Transfer => "転移の判定",
                Work::Survival => "共有後の確認",
                Work::Matrix => "行列に加える写真の攻撃",
                Work::Sweep => "ε を変えて試す攻撃",
            };
            let why = match why {
                Why::Photo => "別の写真が選ばれた",
                Why::Model => "モデルが変わった",
                Why::Device => "計算する装置が変わった",
                Why::Loaded => "別のモデルが読み込まれた",
            };
            format!("{why}ため、{work}を取り消しました。")
        }
        Note::CancelledAfter(steps) => {
            format!("{steps} ステップで取り消しました。そこまでの結果を表示しています。")
        }
        Note::NeedsTarget(method) => format!(
            "{}には狙うクラスが必要です。クラス名 (例: gibbon) を入力して選んでください。",
            (JA.method_title)(*method)
        ),
        Note::ModelLoaded {
            model,
            from,
            layout,
        } => {
            let layout = layout.map(|l| format!(" ({l:?} 形式)")).unwrap_or_default();
            format!(
                "{} を {from}{layout} から読み込みました。モデルの一覧から選んでください。",
                model.display_name()
            )
        }
        Note::SameSiteOnly => {
            "このサイトのパスを指定してください。例: models/resnet152.f16.safetensors (ほかのサイトには接続しません)。".into()
        }
        Note::DeviceStopped => {
            "グラフィックス装置が止まりました (ドライバのリセットか、ブラウザが取り戻したため)。Gibbon の計算部分を起動し直しました。写真と結果はそのままです。".into()
        }
        Note::WorkerBroke => {
            "Gibbon の計算部分で問題が起きました。起動し直しました。写真と結果はそのままです。".into()
        }
        Note::WorkerKeepsStopping => {
            "このブラウザでは Gibbon の計算部分が止まり続けます。ページを再読み込みして、もう一度試してください。".into()
        }
        Note::DownloadFailed => "ダウンロードを始められませんでした。".into(),
        Note::CardFailed => "共有カードを作れませんでした。".into(),
        Note::Camera(problem) => match problem {
            CameraProblem::NoPicture => {
                "カメラの映像がまだありません。少し待ってからもう一度試してください。"
            }
            CameraProblem::Insecure => {
                "ここではカメラを使えません。ブラウザがカメラを渡すのは https か localhost のページだけです。代わりに写真をドロップ、貼り付け、または選んでください。"
            }
            CameraProblem::Failed => "カメラを開けませんでした。",
            CameraProblem::Refused => {
                "カメラを使えません: 許可されなかったか、カメラがありません。代わりに写真をドロップ、貼り付け、または選んでください。"
            }
            CameraProblem::NotVideo => "カメラから届いたものは映像ではありませんでした。",
            CameraProblem::Ended => {
                "カメラが止まりました (抜かれたか、別のアプリが使っています)。もう一度開くか、写真をドロップ、貼り付け、または選んでください。"
            }
            CameraProblem::NoFrames => {
                "カメラから映像が届かないので、Gibbon はカメラを閉じました。もう一度開くか、写真をドロップ、貼り付け、または選んでください。"
            }
        }
        .into(),
        Note::NoiseResized { from, to } => format!(
            "ノイズは {from}x{from} なので、モデルの入力 {to}x{to} に合わせて大きさを変えました。"
        ),
        Note::NotANoise => {
            "このファイルは万能ノイズではありません。Gibbon (このページか `gibbon universal`) が作った PNG を選んでください。".into()
        }
        Note::StageStopped { patch } => {
            if *patch {
                "モデルか装置が変わったので、パッチ作りを止めました。いつでも続きから再開できます。"
            } else {
                "モデルか装置が変わったので、ノイズ作りを止めました。"
            }
            .into()
        }
    }
}

/// An attack's parameter, as a notice names it.
fn param_name(param: Param) -> &'static str {
    match param {
        Param::Eps => "予算 ε",
        Param::Alpha => "歩幅 α",
        Param::Steps => "ステップ数",
        Param::Target => "狙うクラス",
        Param::Label => "正解のクラス",
        Param::Momentum => "モーメンタム",
        Param::Restarts => "ランダムな再開の回数",
        Param::Diversity => "多様化の割合",
        Param::Confidence => "余裕 κ",
        Param::C => "定数 c",
        Param::SearchSteps => "c の探索回数",
        Param::LearningRate => "学習率",
        Param::Overshoot => "行き過ぎ",
        Param::Candidates => "候補クラスの数",
        Param::Threshold => "止める確率",
        Param::Tv => "全変動の事前分布の重み",
        Param::Refine => "丸めた後の整数段階の一歩の数",
        Param::Eot => "1 ステップあたりのランダムな見え方の数",
        Param::Resolution => "解像度",
        Param::Targets => "狙うクラスの数",
        Param::Queries => "問い合わせの回数",
        Param::PInit => "最初の正方形が覆う画素の割合 (p_init)",
    }
}

/// What an attack's parameter may be (the ranges of `AttackConfig::validate`).
fn allowed(param: Param) -> String {
    let number = |v: f64| v.to_string();
    match (param, param.range()) {
        (Param::Eps, _) => "0 から 255 までの数 (255 分の 1 単位: 8 は 8/255)".into(),
        (Param::Alpha, _) => "255 以下の正の数 (画素の段階の単位。例: 1 や 0.5)".into(),
        (_, Range::Whole { min, max }) => format!("{min} から {max} までの整数"),
        (
            _,
            Range::Number {
                min_open: true,
                max_open: true,
                ..
            },
        ) => "0 と 1 のあいだの確率".into(),
        (
            _,
            Range::Number {
                min: 0.0,
                max,
                min_open: true,
                ..
            },
        ) => format!("{} 以下の正の数", number(max)),
        (_, Range::Number { min, max, .. }) => {
            format!("{} から {} までの数", number(min), number(max))
        }
        (_, Range::Class) => "ImageNet のクラス (0 から 999)".into(),
        (_, Range::Resolution) => "写真そのままの大きさかモデルの大きさ".into(),
    }
}

/// A binary part of the messages between the page and the worker.
fn part_name(part: Part) -> String {
    match part {
        Part::Photo => "写真のファイル".into(),
        Part::Input => "モデルが見る画像".into(),
        Part::Iterate => "攻撃中の画像".into(),
        Part::Original => "元の画像".into(),
        Part::Adversarial => "敵対的画像".into(),
        Part::Png => "敵対的画像の PNG".into(),
        Part::ShownOriginal => "元の画像の縮小コピー".into(),
        Part::ShownAdversarial => "敵対的画像の縮小コピー".into(),
        Part::Check(n) => format!("共有後の確認 {} の画像", n + 1),
        Part::Noise => "万能ノイズ".into(),
        Part::Patch => "パッチ".into(),
    }
}

fn photo_problem(why: PhotoProblem) -> String {
    match why {
        PhotoProblem::UnknownFormat => {
            "Gibbon が読める画像ではありません (読めるのは PNG、JPEG、WebP、BMP、GIF)。".into()
        }
        PhotoProblem::TooLarge {
            size,
            max_megapixels,
        } => format!(
            "画像が大きすぎます ({}上限は {max_megapixels} メガピクセル)。縮小してから使ってください。",
            size.map(|(w, h)| format!("{w}x{h} ピクセル、"))
                .unwrap_or_default()
        ),
        PhotoProblem::Empty => "画像が空です (0 ピクセル)。".into(),
        PhotoProblem::AspectRatio {
            size: (w, h),
            max_ratio,
        } => format!(
            "画像が {w}x{h} ピクセルで細長すぎます。縦横比は {max_ratio} 倍までです。切り抜いてから使ってください。"
        ),
        PhotoProblem::Truncated => {
            "画像が途中で切れています (ダウンロードが途中で終わったか、壊れたファイルです)。".into()
        }
        PhotoProblem::Corrupt => "画像が壊れているか、途中で切れています。".into(),
    }
}
