-- ims_medsec example P-CSCF: the KEMI (Lua) variant of the routing in
-- etc/ims_medsec-pcscf.cfg, with the same behaviour.  The cfg file loads it
-- when started with -A WITH_KEMI_LUA (app_lua, cfgengine "lua"); ports and
-- addresses come from the same cfg defines, read with KSR.kx.get_def().
--
-- Requests for the UE arrive on CORE_PORT (terminating side, from the
-- S-CSCF); every other socket is the UE side (originating): SIP_PORT, and
-- UE_TCP_PORT and TLS_PORT when set.

-- a define's value, without the quotes of a string define
local function def(name)
	local v = KSR.kx.get_def(name)
	if v == nil then
		return nil
	end
	return (string.gsub(v, '^"(.*)"$', '%1'))
end

local function from_ue()
	return KSR.pv.get("$Rp") ~= KSR.kx.get_defn("CORE_PORT")
end

-- Stateful forwarding; a new call's media session goes when it fails here.
local function relay()
	if KSR.tm.t_relay() < 0 then
		if KSR.is_INVITE() and KSR.siputils.has_totag() < 0 then
			KSR.ims_medsec.medsec_delete()
		end
		KSR.sl.sl_reply_error()
	end
	KSR.x.exit()
end

-- The next hop toward the core (the S-CSCF when SCSCF_URI is set) and the
-- socket it leaves from.
local function to_core()
	local scscf = def("SCSCF_URI")
	if scscf ~= nil then
		KSR.setdsturi(scscf)
	end
	KSR.corex.set_send_socket("udp:" .. def("LISTEN_IP") .. ":" .. def("CORE_PORT"))
end

-- Toward the UE (the contact in the Request-URI).
local function to_ue()
	KSR.corex.set_send_socket("udp:" .. def("LISTEN_IP") .. ":" .. def("SIP_PORT"))
end

-- The offer goes to the media gateway; ims_medsec answers refusals itself
-- (488 with a Warning, 503 when no gateway answers, 500 otherwise).
-- An INVITE without SDP goes to ims_medsec too (late offer: the offer
-- comes in the reply, the answer in the PRACK or the ACK).
local function media_offer()
	if not KSR.is_INVITE() and KSR.textops.has_body_type("application/sdp") < 0 then
		return
	end
	local r
	if from_ue() then
		r = KSR.ims_medsec.medsec_offer("ue")
	else
		r = KSR.ims_medsec.medsec_offer("core")
	end
	if r < 0 then
		KSR.info("media offer refused for " .. KSR.pv.get("$ci") .. " (" .. r .. ")\n")
		KSR.x.exit()
	end
end

local function within_dialog()
	if KSR.rr.loose_route() > 0 then
		if KSR.is_ACK() and KSR.tm.t_check_trans() == 0 then
			-- the ACK of a refused re-INVITE (stateful, below): absorbed by tm
			KSR.x.exit()
		end
		if KSR.is_BYE() then
			KSR.ims_medsec.medsec_delete()
		elseif KSR.is_INVITE() or KSR.is_UPDATE() then
			-- stateful, so that a refusal's ACK ends here
			KSR.tm.t_newtran()
			media_offer()
			KSR.tm.t_on_reply("ksr_onreply_media")
		elseif (KSR.is_ACK() or KSR.is_PRACK())
				and KSR.textops.has_body_type("application/sdp") > 0 then
			-- the answer to an offer that came in a reply (late offer)
			local r = KSR.ims_medsec.medsec_answer()
			if r == -1 or (r < 0 and KSR.is_PRACK()) then
				KSR.info("media answer refused for " .. KSR.pv.get("$ci") .. " (" .. r .. ")\n")
				KSR.x.exit()
			end
		end
		relay()
	end
	if KSR.is_ACK() then
		if KSR.tm.t_check_trans() > 0 then
			relay()
		end
		KSR.x.exit()
	end
	KSR.sl.sl_send_reply(404, "Not here")
	KSR.x.exit()
end

function ksr_request_route()
	if KSR.maxfwd.process_maxfwd(10) < 0 then
		KSR.sl.sl_send_reply(483, "Too Many Hops")
		return
	end
	if KSR.sanity.sanity_check(17895, 7) < 0 then
		return
	end
	if KSR.is_CANCEL() then
		if KSR.tm.t_check_trans() > 0 then
			KSR.tm.t_relay()
		end
		return
	end
	if not KSR.is_ACK() then
		if KSR.tmx.t_precheck_trans() > 0 then
			KSR.tm.t_check_trans()
			return
		end
		KSR.tm.t_check_trans()
	end
	if KSR.siputils.has_totag() > 0 then
		within_dialog()
		return
	end
	KSR.hdr.remove("Route")
	if KSR.pv.is_null("$rU") and KSR.is_myself_ruri() and not KSR.is_REGISTER() then
		if KSR.is_OPTIONS() then
			KSR.sl.sl_send_reply(200, "OK")
		else
			KSR.sl.sl_send_reply(404, "Not here")
		end
		return
	end
	if KSR.is_REGISTER() then
		KSR.tm.t_on_reply("ksr_onreply_register")
	end
	if KSR.is_INVITE() or KSR.is_SUBSCRIBE() then
		KSR.rr.record_route()
	end
	-- where the request goes, before its offer: the media gateway writes
	-- the SDP for the next hop in that hop's address family
	if from_ue() or KSR.is_REGISTER() then
		to_core()
	else
		to_ue()
	end
	if KSR.is_INVITE() then
		media_offer()
		KSR.tm.t_on_reply("ksr_onreply_media")
		KSR.tm.t_on_failure("ksr_failure_media")
	end
	relay()
end

-- Replies to REGISTER: the e2ae indication and the binding.
function ksr_onreply_register()
	local code = tostring(KSR.pv.get("$rs"))
	if code == "401" or string.match(code, "^2%d%d$") then
		KSR.ims_medsec.medsec_register()
	end
end

-- 18x / 2xx replies to an INVITE: the answer goes to the media gateway; a
-- refused 18x is dropped, a refused 2xx is failed closed by the module.
function ksr_onreply_media()
	local code = tostring(KSR.pv.get("$rs"))
	if (string.match(code, "^18%d$") or string.match(code, "^2%d%d$"))
			and KSR.textops.has_body_type("application/sdp") > 0 then
		if KSR.ims_medsec.medsec_answer() < 0 then
			KSR.set_drop()
		end
	end
end

-- A negative final reply: the call's media session goes.
function ksr_failure_media()
	KSR.ims_medsec.medsec_delete()
end

-- Lawful interception (-A WITH_LI_KEYS): ims_medsec calls this once per
-- crypto line of an e2ae session (modparam li_callback); hand the key to
-- the LI function here.  This example only logs an MD5 of the key.
function ksr_medsec_li_keys(evname)
	KSR.log("notice", "LI-KEYS " .. KSR.pv.get("$ci") .. " dir=" .. KSR.pv.get("$medsec(li_dir)")
		.. " m=" .. KSR.pv.get("$medsec(li_media)") .. " tag=" .. KSR.pv.get("$medsec(li_tag)")
		.. " " .. KSR.pv.get("$medsec(li_suite)") .. " md5=" .. KSR.pv.get("$(medsec(li_key){s.md5})") .. "\n")
end
